//! Accounts and API tokens: the `UsersPort` implementation.

pub mod account;

use crate::auth::password;
use crate::db::{db_error, repo};
use app::api::{
    ApiError, ApiTokenSummary, CreatedApiToken, FieldError, Role, SessionUser, UserSummary,
};
use app::ports::UsersPort;
use sea_orm::{DatabaseConnection, TransactionTrait};
use secrecy::SecretString;

/// Accounts and tokens backed by the database.
#[derive(Clone)]
pub struct UsersService {
    pub db: DatabaseConnection,
    /// The server's one argon2 gate, shared with the auth service.
    pub hasher: password::Hasher,
    /// Told when an account's sessions end, so its live sockets close (on every instance).
    pub hub: crate::realtime::Hub,
}

/// The prefix of every API token, so leaked tokens are easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "ol_";

async fn find_user(
    db: &DatabaseConnection,
    id: i64,
) -> Result<crate::db::entities::users::Model, ApiError> {
    let id = repo::row_id(id).ok_or(ApiError::NotFound)?;
    repo::users::find_by_id(db, id)
        .await
        .map_err(db_error)?
        .ok_or(ApiError::NotFound)
}

#[async_trait::async_trait]
impl UsersPort for UsersService {
    async fn list_users(&self) -> Result<Vec<UserSummary>, ApiError> {
        let users = repo::users::list(&self.db).await.map_err(db_error)?;
        Ok(users.into_iter().map(Into::into).collect())
    }

    async fn create_user(
        &self,
        name: &str,
        email: &str,
        password_text: &str,
        role: Role,
    ) -> Result<UserSummary, ApiError> {
        let mut errors = crate::auth::check_new_account(name, email, password_text);
        if errors.iter().all(|e| e.field != "email")
            && repo::users::find_by_email(&self.db, email)
                .await
                .map_err(db_error)?
                .is_some()
        {
            errors.push(FieldError::new(
                "email",
                "an account with this email already exists",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let hash = self
            .hasher
            .hash(SecretString::from(password_text.to_owned()))
            .await?;
        let user = repo::users::insert(&self.db, name, email, hash, role)
            .await
            .map_err(db_error)?;
        tracing::info!(user_id = user.id, role = role.as_str(), "user created");
        Ok(user.into())
    }

    async fn reset_password(&self, id: i64, password_text: &str) -> Result<(), ApiError> {
        if let Err(message) = password::check_policy(password_text) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "password", message,
            )]));
        }
        let user = find_user(&self.db, id).await?;
        let user_id = user.id;
        let hash = self
            .hasher
            .hash(SecretString::from(password_text.to_owned()))
            .await?;
        repo::users::set_password(&self.db, user, hash)
            .await
            .map_err(db_error)?;
        repo::user_sessions::delete_for_user(&self.db, user_id, None)
            .await
            .map_err(db_error)?;
        self.hub
            .end_sessions(crate::realtime::SessionEnd::User { user_id: id });
        tracing::info!(user_id = id, "password reset; the user's sessions ended");
        Ok(())
    }

    async fn set_active(&self, actor: &SessionUser, id: i64, active: bool) -> Result<(), ApiError> {
        if actor.id == id && !active {
            return Err(ApiError::Conflict(
                "you cannot deactivate your own account".into(),
            ));
        }
        let user = find_user(&self.db, id).await?;
        let user_id = user.id;
        let txn = self.db.begin().await.map_err(db_error)?;
        repo::users::set_active(&txn, user, active)
            .await
            .map_err(db_error)?;
        // A deactivated account's API tokens are revoked with it (reactivating does not bring
        // them back); `api_tokens::authenticate` also refuses any token of an inactive creator.
        let revoked = if active {
            0
        } else {
            repo::api_tokens::revoke_all_created_by(&txn, user_id)
                .await
                .map_err(db_error)?
        };
        repo::user_sessions::delete_for_user(&txn, user_id, None)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        self.hub
            .end_sessions(crate::realtime::SessionEnd::User { user_id: id });
        tracing::info!(
            user_id = id,
            active,
            revoked_tokens = revoked,
            "user activation changed"
        );
        Ok(())
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiTokenSummary>, ApiError> {
        let tokens = repo::api_tokens::list(&self.db).await.map_err(db_error)?;
        Ok(tokens.into_iter().map(Into::into).collect())
    }

    async fn create_api_token(
        &self,
        actor: &SessionUser,
        name: &str,
    ) -> Result<CreatedApiToken, ApiError> {
        if name.trim().is_empty() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "name",
                "is required",
            )]));
        }
        let actor_id = repo::row_id(actor.id).ok_or(ApiError::Internal)?;
        let token = format!("{TOKEN_PREFIX}{}", crate::auth::random_token());
        let prefix: String = token.chars().take(10).collect();
        let model = repo::api_tokens::insert(
            &self.db,
            name,
            crate::auth::sha256_hex(&token),
            prefix,
            actor_id,
        )
        .await
        .map_err(db_error)?;
        tracing::info!(token_id = model.id, "API token created");
        Ok(CreatedApiToken {
            summary: model.into(),
            token,
        })
    }

    async fn revoke_api_token(&self, id: i64) -> Result<(), ApiError> {
        let id = repo::row_id(id).ok_or(ApiError::NotFound)?;
        if repo::api_tokens::revoke(&self.db, id)
            .await
            .map_err(db_error)?
        {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }
}
