//! Sign-in attempts, for the lockout (`auth::lockout`). An attempt is reserved as a failure
//! before its password is checked, then marked succeeded or released: the counts below include
//! the attempts still in flight, which is what makes the limits hold under parallel requests.

use crate::db::entities::login_attempts::{self, Entity as Attempts};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// The row of one reserved attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptId(i32);

/// Records an attempt as a failure, before its password is checked.
pub async fn reserve(
    db: &DatabaseConnection,
    email: &str,
    ip: &str,
    at: DateTime<Utc>,
) -> Result<AttemptId, DbErr> {
    let row = login_attempts::ActiveModel {
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        succeeded: Set(false),
        attempted_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(AttemptId(row.id))
}

/// Marks a reserved attempt as a success (the password was right).
pub async fn mark_succeeded(db: &DatabaseConnection, attempt: AttemptId) -> Result<(), DbErr> {
    Attempts::update_many()
        .col_expr(login_attempts::Column::Succeeded, true.into())
        .filter(login_attempts::Column::Id.eq(attempt.0))
        .exec(db)
        .await
        .map(drop)
}

/// Deletes a reserved attempt whose password was never checked (refused or busy).
pub async fn release(db: &DatabaseConnection, attempt: AttemptId) -> Result<(), DbErr> {
    Attempts::delete_by_id(attempt.0).exec(db).await.map(drop)
}

/// Times of the most recent failures of an email from an IP since `since`, after the pair's last
/// success, leaving out `mine`; newest first.
pub async fn recent_pair_failures(
    db: &DatabaseConnection,
    email: &str,
    ip: &str,
    since: DateTime<Utc>,
    limit: usize,
    mine: AttemptId,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    let pair = login_attempts::Column::Email
        .eq(email)
        .and(login_attempts::Column::Ip.eq(ip));
    let last_success = Attempts::find()
        .filter(pair.clone())
        .filter(login_attempts::Column::Succeeded.eq(true))
        .filter(login_attempts::Column::AttemptedAt.gte(since))
        .order_by_desc(login_attempts::Column::AttemptedAt)
        .one(db)
        .await?
        .map(|a| a.attempted_at);
    let since = last_success.map_or(since, |t| t.max(since));
    failures(db, pair, since, limit, mine).await
}

/// Times of the most recent failures from an IP since `since`, leaving out `mine`; newest first.
pub async fn recent_ip_failures(
    db: &DatabaseConnection,
    ip: &str,
    since: DateTime<Utc>,
    limit: usize,
    mine: AttemptId,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    failures(db, login_attempts::Column::Ip.eq(ip), since, limit, mine).await
}

async fn failures(
    db: &DatabaseConnection,
    filter: SimpleExpr,
    since: DateTime<Utc>,
    limit: usize,
    mine: AttemptId,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    Ok(Attempts::find()
        .filter(filter)
        .filter(login_attempts::Column::Id.ne(mine.0))
        .filter(login_attempts::Column::Succeeded.eq(false))
        .filter(login_attempts::Column::AttemptedAt.gt(since))
        .order_by_desc(login_attempts::Column::AttemptedAt)
        .limit(u64::try_from(limit).unwrap_or(u64::MAX))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.attempted_at)
        .collect())
}

/// Deletes attempts older than `before` (they no longer count).
pub async fn prune(db: &DatabaseConnection, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Attempts::delete_many()
        .filter(login_attempts::Column::AttemptedAt.lt(before))
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}
