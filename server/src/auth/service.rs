//! [`AuthService`]: the `AuthPort` over the database, and the start-up [`bootstrap`] of the first admin.

use super::{lockout, password, session};
use crate::db::{db_error, repo};
use app::api::{ApiError, FieldError, Role, SessionUser};
use app::ports::AuthPort;
use base64::Engine;
use chrono::Utc;
use sea_orm::{DatabaseConnection, TransactionTrait};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tower_sessions::Session;

/// Sign-in and setup backed by the database.
#[derive(Clone)]
pub struct AuthService {
    pub db: DatabaseConnection,
    /// The server's one argon2 gate, shared with the users service.
    pub hasher: password::Hasher,
    /// Set once an account is seen: accounts are never deleted, so setup stays closed for good
    /// and a flood of setup requests is refused without touching the database.
    pub setup_closed: Arc<AtomicBool>,
    /// Told when a session ends, so its live sockets close (on every instance).
    pub hub: crate::realtime::Hub,
}

impl AuthService {
    /// The service over `db` and the server's `hasher`.
    pub fn new(
        db: DatabaseConnection,
        hasher: password::Hasher,
        hub: crate::realtime::Hub,
    ) -> Self {
        AuthService {
            db,
            hasher,
            setup_closed: Arc::default(),
            hub,
        }
    }
}

/// Lowercase hex SHA-256, used to store single-use tokens.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn session_error(error: tower_sessions::session::Error) -> ApiError {
    tracing::error!(%error, "session store error");
    ApiError::Internal
}

/// Binds the session to `user` (with a fresh id) at the account's current session version, and
/// lists it among the user's sessions (from `ip`).
async fn start_session(
    db: &DatabaseConnection,
    session: &Session,
    user: &crate::db::entities::users::Model,
    ip: Option<String>,
    agent: Option<&str>,
) -> Result<(), ApiError> {
    let handle = uuid::Uuid::new_v4().simple().to_string();
    repo::user_sessions::insert(db, &handle, user.id, ip, agent)
        .await
        .map_err(db_error)?;
    let auth = session::SessionAuth {
        user_id: user.id,
        version: user.session_version,
        handle: Some(handle),
    };
    session::sign_in(session, auth).await.map_err(session_error)
}

/// Checks the fields of a new account; returns every field error.
pub fn check_new_account(name: &str, email: &str, password: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "is required"));
    }
    let email = email.trim();
    let valid_email = email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
    });
    if !valid_email {
        errors.push(FieldError::new("email", "is not an email address"));
    }
    if let Err(message) = password::check_policy(password) {
        errors.push(FieldError::new("password", message));
    }
    errors
}

/// How long the first-admin setup link works after the server printed it.
pub const SETUP_LINK_LIFETIME_MINUTES: i64 = 60;

/// The oldest setup token still accepted at `now`.
fn setup_link_cutoff(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now - chrono::Duration::minutes(SETUP_LINK_LIFETIME_MINUTES)
}

impl AuthService {
    /// Reserves this attempt (recorded as a failure before any hashing, so parallel guesses see
    /// each other), then applies the lockout to the other attempts; a refused attempt is released.
    async fn reserve_attempt(
        &self,
        email: &str,
        ip: &str,
    ) -> Result<repo::login_attempts::AttemptId, ApiError> {
        use repo::login_attempts as attempts;
        let attempt = attempts::reserve(&self.db, email, ip, Utc::now())
            .await
            .map_err(db_error)?;
        let now = Utc::now();
        let pair = attempts::recent_pair_failures(
            &self.db,
            email,
            ip,
            lockout::pair_window_start(now),
            lockout::PAIR_COUNTED,
            attempt,
        )
        .await
        .map_err(db_error)?;
        let by_ip = attempts::recent_ip_failures(
            &self.db,
            ip,
            lockout::ip_window_start(now),
            lockout::IP_MAX_FAILURES,
            attempt,
        )
        .await
        .map_err(db_error)?;
        let wait = lockout::pair_wait(&pair, now).max(lockout::ip_wait(&by_ip, now));
        let Some(retry_after_seconds) = wait else {
            return Ok(attempt);
        };
        attempts::release(&self.db, attempt)
            .await
            .map_err(db_error)?;
        tracing::warn!(%ip, "sign-in refused: too many failed attempts");
        Err(ApiError::TooManyAttempts {
            retry_after_seconds,
        })
    }

    /// Whether `token` is the live setup token (not expired) and no account exists yet.
    async fn setup_open(&self, token: &str) -> Result<bool, ApiError> {
        if self.setup_closed.load(Ordering::Relaxed) {
            return Ok(false);
        }
        if repo::users::count(&self.db).await.map_err(db_error)? > 0 {
            self.setup_closed.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        let cutoff = setup_link_cutoff(Utc::now());
        repo::setup_tokens::exists(&self.db, &sha256_hex(token), cutoff)
            .await
            .map_err(db_error)
    }
}

#[async_trait::async_trait]
impl AuthPort for AuthService {
    async fn login(
        &self,
        session: &Session,
        email: &str,
        password_text: &str,
        ip: IpAddr,
        agent: Option<&str>,
    ) -> Result<SessionUser, ApiError> {
        let email = repo::users::normalize_email(email);
        let ip = ip.to_string();
        // The hashing slot first: when the gate is full, answer 503 before any database work.
        let slot = self.hasher.slot()?;
        let attempt = self.reserve_attempt(&email, &ip).await?;
        let user = repo::users::find_by_email(&self.db, &email)
            .await
            .map_err(db_error)?;
        let user = user.filter(|u| u.active);
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let ok = slot
            .verify(SecretString::from(password_text.to_owned()), stored)
            .await?;
        let user = match (ok, user) {
            (true, Some(user)) => user,
            _ => {
                tracing::info!(%ip, "failed sign-in");
                return Err(ApiError::InvalidCredentials);
            }
        };
        repo::login_attempts::mark_succeeded(&self.db, attempt)
            .await
            .map_err(db_error)?;
        start_session(&self.db, session, &user, Some(ip.clone()), agent).await?;
        tracing::info!(user_id = user.id, "signed in");
        Ok((&user).into())
    }

    async fn logout(&self, session: &Session) -> Result<(), ApiError> {
        let id = session.id();
        if let Ok(Some(session::SessionAuth {
            handle: Some(handle),
            ..
        })) = session::auth_of(session).await
        {
            repo::user_sessions::delete(&self.db, &handle)
                .await
                .map_err(db_error)?;
        }
        session::sign_out(session).await.map_err(session_error)?;
        if let Some(id) = id {
            self.hub
                .end_sessions(crate::realtime::SessionEnd::Session { id: id.to_string() });
        }
        Ok(())
    }

    async fn has_users(&self) -> Result<bool, ApiError> {
        Ok(repo::users::count(&self.db).await.map_err(db_error)? > 0)
    }

    async fn setup_token_valid(&self, token: &str) -> Result<bool, ApiError> {
        self.setup_open(token).await
    }

    async fn complete_setup(
        &self,
        session: &Session,
        token: &str,
        name: &str,
        email: &str,
        password_text: &str,
    ) -> Result<SessionUser, ApiError> {
        let errors = check_new_account(name, email, password_text);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        // Cheap checks first: a forged or expired link, or setup already done, costs no hash.
        if !self.setup_open(token).await? {
            return Err(ApiError::Forbidden);
        }
        let hash = self
            .hasher
            .hash(SecretString::from(password_text.to_owned()))
            .await?;
        let txn = self.db.begin().await.map_err(db_error)?;
        let cutoff = setup_link_cutoff(Utc::now());
        let consumed = repo::setup_tokens::consume(&txn, &sha256_hex(token), cutoff)
            .await
            .map_err(db_error)?;
        let no_users = sea_orm::PaginatorTrait::count(
            <crate::db::entities::users::Entity as sea_orm::EntityTrait>::find(),
            &txn,
        )
        .await
        .map_err(db_error)?
            == 0;
        if !(consumed && no_users) {
            return Err(ApiError::Forbidden);
        }
        let user = repo::users::insert(&txn, name, email, hash, Role::Admin)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        start_session(&self.db, session, &user, None, None).await?;
        tracing::info!(user_id = user.id, "first admin created from the setup link");
        Ok((&user).into())
    }
}

/// At start: creates the `ADMIN_EMAIL` admin when missing, or, with no users at all, prints a
/// one-time setup link (valid [`SETUP_LINK_LIFETIME_MINUTES`]) to the terminal: to stderr
/// directly, never through the log, which only says that a link was printed. Returns the link
/// when one was made.
pub async fn bootstrap(
    db: &DatabaseConnection,
    hasher: &password::Hasher,
    admin: Option<&(String, SecretString)>,
    public_base_url: &url::Url,
) -> anyhow::Result<Option<String>> {
    if let Some((email, password_text)) = admin {
        if repo::users::find_by_email(db, email).await?.is_none() {
            let errors = check_new_account("Admin", email, password_text.expose_secret());
            if let Some(error) = errors.first() {
                anyhow::bail!(
                    "ADMIN_EMAIL/ADMIN_PASSWORD: {} {}",
                    if error.field == "email" {
                        "ADMIN_EMAIL"
                    } else {
                        "ADMIN_PASSWORD"
                    },
                    error.message
                );
            }
            let hash = hasher.hash(password_text.clone()).await?;
            repo::users::insert(db, "Admin", email, hash, Role::Admin).await?;
            tracing::info!(email = %repo::users::normalize_email(email), "created the admin from ADMIN_EMAIL");
        }
    }
    if repo::users::count(db).await? > 0 {
        repo::setup_tokens::clear(db).await?;
        return Ok(None);
    }
    let token = random_token();
    repo::setup_tokens::replace(db, sha256_hex(&token)).await?;
    let mut link = public_base_url.join("setup")?;
    link.query_pairs_mut().append_pair("token", &token);
    eprintln!(
        "No users yet. Create the first admin here (one-time link): {link}\n\
         The link works for {SETUP_LINK_LIFETIME_MINUTES} minutes; restart the server for a new one."
    );
    tracing::warn!("no users yet: a one-time setup link was printed to the terminal");
    Ok(Some(link.to_string()))
}

/// Deletes the sign-in attempts that no lockout rule counts any more.
pub async fn prune_login_attempts(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    repo::login_attempts::prune(db, lockout::prune_before(Utc::now())).await
}

/// Prunes old sign-in attempts now and every `period` in the background.
pub fn spawn_attempt_pruning(db: DatabaseConnection, period: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            match prune_login_attempts(&db).await {
                Ok(0) => {}
                Ok(count) => tracing::debug!(count, "old sign-in attempts deleted"),
                Err(error) => tracing::error!(%error, "could not delete old sign-in attempts"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_account_fields_are_checked_one_by_one() {
        let errors = check_new_account("", "nope", "short");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "password"]);
        assert!(check_new_account("Ann", "ann@example.com", "long enough").is_empty());
    }

    #[test]
    fn token_hashes_are_stable_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(random_token(), random_token());
    }
}
