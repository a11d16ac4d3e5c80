//! The one-time first-admin setup token (stored hashed).

use crate::db::entities::setup_tokens::{self, Entity as SetupTokens};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// Replaces any earlier token with this one.
pub async fn replace(db: &impl ConnectionTrait, token_hash: String) -> Result<(), DbErr> {
    SetupTokens::delete_many().exec(db).await?;
    setup_tokens::ActiveModel {
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(drop)
}

/// Whether a token with this hash exists, created at `not_before` or later.
pub async fn exists(
    db: &impl ConnectionTrait,
    token_hash: &str,
    not_before: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(SetupTokens::find()
        .filter(setup_tokens::Column::TokenHash.eq(token_hash))
        .filter(setup_tokens::Column::CreatedAt.gte(not_before))
        .one(db)
        .await?
        .is_some())
}

/// Deletes the token with this hash; returns whether one was there, created at `not_before` or
/// later (so it is used only once, and not after it expired).
pub async fn consume(
    db: &impl ConnectionTrait,
    token_hash: &str,
    not_before: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = SetupTokens::delete_many()
        .filter(setup_tokens::Column::TokenHash.eq(token_hash))
        .filter(setup_tokens::Column::CreatedAt.gte(not_before))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes every token (once an admin exists they are useless).
pub async fn clear(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    SetupTokens::delete_many().exec(db).await.map(drop)
}
