//! Sign-in attempts, for the lockout after repeated failures.

use crate::db::entities::login_attempts::{self, Entity as Attempts};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Records one attempt.
pub async fn record(
    db: &DatabaseConnection,
    email: &str,
    ip: &str,
    succeeded: bool,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_attempts::ActiveModel {
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        succeeded: Set(succeeded),
        attempted_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(drop)
}

/// Times of the most recent failures for an email since `since`, after its last success, newest first.
pub async fn recent_email_failures(
    db: &DatabaseConnection,
    email: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    let last_success = Attempts::find()
        .filter(login_attempts::Column::Email.eq(email))
        .filter(login_attempts::Column::Succeeded.eq(true))
        .filter(login_attempts::Column::AttemptedAt.gte(since))
        .order_by_desc(login_attempts::Column::AttemptedAt)
        .one(db)
        .await?
        .map(|a| a.attempted_at);
    let since = last_success.map_or(since, |t| t.max(since));
    failures(db, login_attempts::Column::Email.eq(email), since, limit).await
}

/// Times of the most recent failures from an IP since `since`, newest first.
pub async fn recent_ip_failures(
    db: &DatabaseConnection,
    ip: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    failures(db, login_attempts::Column::Ip.eq(ip), since, limit).await
}

async fn failures(
    db: &DatabaseConnection,
    filter: sea_orm::sea_query::SimpleExpr,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    Ok(Attempts::find()
        .filter(filter)
        .filter(login_attempts::Column::Succeeded.eq(false))
        .filter(login_attempts::Column::AttemptedAt.gt(since))
        .order_by_desc(login_attempts::Column::AttemptedAt)
        .limit(limit)
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
