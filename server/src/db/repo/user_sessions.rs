//! The profile's list of signed-in sessions: recorded at sign-in, seen again as the session is
//! used (at most once a minute, with the session's own expiry write), removed at sign-out and
//! whenever the account's sessions end together.

use crate::db::entities::user_sessions;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// The longest user agent kept (the column's size).
const AGENT_MAX: usize = 300;

fn clip(agent: Option<&str>) -> Option<String> {
    agent.map(|a| a.chars().take(AGENT_MAX).collect())
}

/// Records a new session of `user_id`.
pub async fn insert(
    db: &impl ConnectionTrait,
    handle: &str,
    user_id: i32,
    ip: Option<String>,
    agent: Option<&str>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    user_sessions::ActiveModel {
        handle: Set(handle.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        user_agent: Set(clip(agent)),
        ip: Set(ip),
    }
    .insert(db)
    .await
    .map(drop)
}

/// The session `handle` was used now, from `ip` with `agent`.
pub async fn touch(
    db: &impl ConnectionTrait,
    handle: &str,
    ip: String,
    agent: Option<&str>,
) -> Result<(), DbErr> {
    let mut update = user_sessions::Entity::update_many()
        .col_expr(user_sessions::Column::LastSeenAt, Expr::value(Utc::now()))
        .col_expr(user_sessions::Column::Ip, Expr::value(ip));
    if let Some(agent) = clip(agent) {
        update = update.col_expr(user_sessions::Column::UserAgent, Expr::value(agent));
    }
    update
        .filter(user_sessions::Column::Handle.eq(handle))
        .exec(db)
        .await
        .map(drop)
}

/// The sessions of `user_id` used since `since`, most recent first. Older rows (sessions that
/// expired unused) are deleted on the way.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: DateTime<Utc>,
) -> Result<Vec<user_sessions::Model>, DbErr> {
    user_sessions::Entity::delete_many()
        .filter(user_sessions::Column::UserId.eq(user_id))
        .filter(user_sessions::Column::LastSeenAt.lt(since))
        .exec(db)
        .await?;
    user_sessions::Entity::find()
        .filter(user_sessions::Column::UserId.eq(user_id))
        .order_by_desc(user_sessions::Column::LastSeenAt)
        .all(db)
        .await
}

/// Forgets one session (signed out).
pub async fn delete(db: &impl ConnectionTrait, handle: &str) -> Result<(), DbErr> {
    user_sessions::Entity::delete_by_id(handle.to_owned())
        .exec(db)
        .await
        .map(drop)
}

/// Forgets every session of `user_id` but `keep` (all of them with `None`).
pub async fn delete_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
    keep: Option<&str>,
) -> Result<(), DbErr> {
    let mut delete =
        user_sessions::Entity::delete_many().filter(user_sessions::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(user_sessions::Column::Handle.ne(keep));
    }
    delete.exec(db).await.map(drop)
}
