//! API tokens (stored as SHA-256 of the secret).

use crate::db::entities::api_tokens::{self, Entity as ApiTokens};
use app::api::ApiTokenSummary;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

pub async fn insert(
    db: &DatabaseConnection,
    name: &str,
    token_hash: String,
    prefix: String,
    created_by: i32,
) -> Result<api_tokens::Model, DbErr> {
    api_tokens::ActiveModel {
        name: Set(name.trim().to_owned()),
        token_hash: Set(token_hash),
        prefix: Set(prefix),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<api_tokens::Model>, DbErr> {
    ApiTokens::find()
        .order_by_desc(api_tokens::Column::CreatedAt)
        .all(db)
        .await
}

/// The live token with this hash (not revoked, and its creator's account still active); marks
/// it used.
pub async fn authenticate(
    db: &DatabaseConnection,
    token_hash: &str,
) -> Result<Option<api_tokens::Model>, DbErr> {
    let Some(token) = ApiTokens::find()
        .filter(api_tokens::Column::TokenHash.eq(token_hash))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let creator = super::users::find_by_id(db, token.created_by).await?;
    if !creator.is_some_and(|user| user.active) {
        tracing::warn!(
            token_id = token.id,
            "API token refused: its creator is not active"
        );
        return Ok(None);
    }
    let mut active: api_tokens::ActiveModel = token.into();
    active.last_used_at = Set(Some(Utc::now()));
    active.update(db).await.map(Some)
}

/// Revokes a token; returns false when there is no such token.
pub async fn revoke(db: &DatabaseConnection, id: i32) -> Result<bool, DbErr> {
    let Some(token) = ApiTokens::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if token.revoked_at.is_none() {
        let mut active: api_tokens::ActiveModel = token.into();
        active.revoked_at = Set(Some(Utc::now()));
        active.update(db).await?;
    }
    Ok(true)
}

/// Revokes every live token created by `user_id` (the account is being deactivated); returns
/// how many were revoked.
pub async fn revoke_all_created_by(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    ApiTokens::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(api_tokens::Column::CreatedBy.eq(user_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|result| result.rows_affected)
}

impl From<api_tokens::Model> for ApiTokenSummary {
    fn from(token: api_tokens::Model) -> Self {
        ApiTokenSummary {
            id: i64::from(token.id),
            name: token.name,
            prefix: token.prefix,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            revoked: token.revoked_at.is_some(),
        }
    }
}
