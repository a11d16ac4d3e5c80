//! Accounts.

use crate::db::entities::users::{self, Entity as Users};
use app::api::{Role, SessionUser, UserSummary};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

/// Emails are compared and stored trimmed and lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Users::find().count(db).await
}

pub async fn find_by_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    Users::find()
        .filter(users::Column::Email.eq(normalize_email(email)))
        .one(db)
        .await
}

pub async fn find_by_id(db: &DatabaseConnection, id: i32) -> Result<Option<users::Model>, DbErr> {
    Users::find_by_id(id).one(db).await
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<users::Model>, DbErr> {
    Users::find()
        .order_by_asc(users::Column::Name)
        .all(db)
        .await
}

/// Inserts an account with an already computed password hash.
pub async fn insert(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
    email: &str,
    password_hash: String,
    role: Role,
) -> Result<users::Model, DbErr> {
    let now = Utc::now();
    users::ActiveModel {
        email: Set(normalize_email(email)),
        name: Set(name.trim().to_owned()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        active: Set(true),
        session_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Sets a new password hash and ends every session of the account.
pub async fn set_password(
    db: &DatabaseConnection,
    user: users::Model,
    password_hash: String,
) -> Result<(), DbErr> {
    let version = user.session_version + 1;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(password_hash);
    active.session_version = Set(version);
    active.updated_at = Set(Utc::now());
    active.update(db).await.map(drop)
}

/// Activates or deactivates; either way the account's sessions end.
pub async fn set_active(
    db: &impl sea_orm::ConnectionTrait,
    user: users::Model,
    is_active: bool,
) -> Result<(), DbErr> {
    let version = user.session_version + 1;
    let mut active: users::ActiveModel = user.into();
    active.active = Set(is_active);
    active.session_version = Set(version);
    active.updated_at = Set(Utc::now());
    active.update(db).await.map(drop)
}

/// The role column parsed; an unknown value is treated as the least privileged role.
pub fn role_of(user: &users::Model) -> Role {
    user.role.parse().unwrap_or_else(|_| {
        tracing::error!(user_id = user.id, role = %user.role, "unknown role in database; treating as staff");
        Role::Staff
    })
}

impl From<&users::Model> for SessionUser {
    fn from(user: &users::Model) -> Self {
        SessionUser {
            display: Default::default(),
            id: i64::from(user.id),
            email: user.email.clone(),
            name: user.name.clone(),
            role: role_of(user),
            language: user.language.as_deref().and_then(|l| l.parse().ok()),
        }
    }
}

impl From<users::Model> for UserSummary {
    fn from(user: users::Model) -> Self {
        UserSummary {
            id: i64::from(user.id),
            role: role_of(&user),
            email: user.email,
            name: user.name,
            active: user.active,
            created_at: user.created_at,
        }
    }
}
