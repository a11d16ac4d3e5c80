//! A user's own account (the profile page): name and language, their password (the current one
//! required; every other session ends), and their signed-in sessions with "sign out everywhere".

use crate::auth::{password, session};
use crate::db::{db_error, repo};
use crate::realtime::{Hub, SessionEnd};
use app::api::{describe_agent, ActiveSession, ApiError, FieldError, Lang, Profile, SessionUser};
use app::ports::AccountPort;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use secrecy::SecretString;
use tower_sessions::Session;

/// The longest name accepted.
const NAME_MAX: usize = 100;

pub struct AccountService {
    pub db: DatabaseConnection,
    /// The server's one argon2 gate.
    pub hasher: password::Hasher,
    /// Told when sessions end, so their live sockets close (on every instance).
    pub hub: Hub,
    /// Sessions unused for this long have expired (not listed).
    pub session_inactivity: std::time::Duration,
}

fn session_error(error: tower_sessions::session::Error) -> ApiError {
    tracing::error!(%error, "session store error");
    ApiError::Internal
}

impl AccountService {
    async fn account(
        &self,
        user: &SessionUser,
    ) -> Result<crate::db::entities::users::Model, ApiError> {
        let id = repo::row_id(user.id).ok_or(ApiError::Unauthorized)?;
        repo::users::find_by_id(&self.db, id)
            .await
            .map_err(db_error)?
            .ok_or(ApiError::Unauthorized)
    }
}

#[async_trait::async_trait]
impl AccountPort for AccountService {
    async fn profile(&self, user: &SessionUser, session: &Session) -> Result<Profile, ApiError> {
        let account = self.account(user).await?;
        let current = session::auth_of(session)
            .await
            .map_err(session_error)?
            .and_then(|auth| auth.handle);
        let window = chrono::Duration::from_std(self.session_inactivity)
            .unwrap_or(chrono::Duration::days(1));
        let rows = repo::user_sessions::list_for_user(&self.db, account.id, Utc::now() - window)
            .await
            .map_err(db_error)?;
        let sessions = rows
            .into_iter()
            .map(|row| ActiveSession {
                current: current.as_deref() == Some(row.handle.as_str()),
                created_at: row.created_at,
                last_seen_at: row.last_seen_at,
                device: describe_agent(row.user_agent.as_deref()),
                ip: row.ip,
            })
            .collect();
        Ok(Profile {
            name: account.name,
            email: account.email,
            language: account.language.as_deref().and_then(|l| l.parse().ok()),
            sessions,
        })
    }

    async fn save_profile(
        &self,
        user: &SessionUser,
        name: &str,
        language: Option<Lang>,
    ) -> Result<(), ApiError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "name",
                "is required",
            )]));
        }
        if name.chars().count() > NAME_MAX {
            return Err(ApiError::Validation(vec![FieldError::new(
                "name",
                format!("must be at most {NAME_MAX} characters"),
            )]));
        }
        let mut account: crate::db::entities::users::ActiveModel = self.account(user).await?.into();
        account.name = Set(name.to_owned());
        account.language = Set(language.map(|l| l.code().to_owned()));
        account.updated_at = Set(Utc::now());
        account.update(&self.db).await.map_err(db_error)?;
        tracing::info!(user_id = user.id, "profile saved");
        Ok(())
    }

    async fn change_password(
        &self,
        user: &SessionUser,
        session: &Session,
        current: &str,
        new: &str,
    ) -> Result<(), ApiError> {
        if let Err(message) = password::check_policy(new) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "new_password",
                message,
            )]));
        }
        let account = self.account(user).await?;
        let ok = self
            .hasher
            .verify(
                SecretString::from(current.to_owned()),
                Some(account.password_hash.clone()),
            )
            .await?;
        if !ok {
            return Err(ApiError::Validation(vec![FieldError::new(
                "current_password",
                "is not your current password",
            )]));
        }
        let hash = self.hasher.hash(SecretString::from(new.to_owned())).await?;
        let user_id = account.id;
        let version = account.session_version + 1;
        repo::users::set_password(&self.db, account, hash)
            .await
            .map_err(db_error)?;
        // This session stays signed in under the new version; every other one ends.
        let auth = session::auth_of(session).await.map_err(session_error)?;
        let handle = auth.and_then(|auth| auth.handle);
        session::restamp(
            session,
            session::SessionAuth {
                user_id,
                version,
                handle: handle.clone(),
            },
        )
        .await
        .map_err(session_error)?;
        repo::user_sessions::delete_for_user(&self.db, user_id, handle.as_deref())
            .await
            .map_err(db_error)?;
        let keep = session.id().map(|id| id.to_string()).unwrap_or_default();
        self.hub.end_sessions(SessionEnd::UserExcept {
            user_id: user.id,
            keep,
        });
        tracing::info!(
            user_id = user.id,
            "password changed; the other sessions ended"
        );
        Ok(())
    }

    async fn sign_out_everywhere(
        &self,
        user: &SessionUser,
        session: &Session,
    ) -> Result<(), ApiError> {
        let account = self.account(user).await?;
        let user_id = account.id;
        let version = account.session_version + 1;
        let mut bumped: crate::db::entities::users::ActiveModel = account.into();
        bumped.session_version = Set(version);
        bumped.updated_at = Set(Utc::now());
        bumped.update(&self.db).await.map_err(db_error)?;
        repo::user_sessions::delete_for_user(&self.db, user_id, None)
            .await
            .map_err(db_error)?;
        session::sign_out(session).await.map_err(session_error)?;
        self.hub.end_sessions(SessionEnd::User { user_id: user.id });
        tracing::info!(user_id = user.id, "signed out everywhere");
        Ok(())
    }
}
