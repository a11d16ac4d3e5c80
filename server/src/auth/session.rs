//! Sessions: tower-sessions with its sqlx store on the same pool as SeaORM (SQLite or
//! PostgreSQL, chosen at start), and the middleware that resolves the signed-in user of every
//! request (ending the session at once when the account was deactivated or its password reset),
//! slides the session's expiry while it is used, and finds the client address.

use crate::db::repo;
use app::ports::{ClientIp, CurrentUser};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The key under which the session keeps [`SessionAuth`].
const AUTH_KEY: &str = "auth";
/// The key under which the session keeps when it was last written back (Unix milliseconds).
const TOUCHED_KEY: &str = "touched_ms";

/// What a signed-in session remembers: the user, the account's session version at login, and
/// the session's row in `user_sessions` (what the profile lists).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i32,
    pub version: i32,
    /// Sessions signed in before the profile's list existed have none.
    #[serde(default)]
    pub handle: Option<String>,
}

/// The session store of whichever database the server runs on.
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl AnyStore {
    /// A store on SeaORM's own pool; creates the sessions table when missing.
    pub async fn for_database(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let store = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => {
                AnyStore::Sqlite(SqliteStore::new(db.get_sqlite_connection_pool().clone()))
            }
            sea_orm::DbBackend::Postgres => AnyStore::Postgres(PostgresStore::new(
                db.get_postgres_connection_pool().clone(),
            )),
            other => anyhow::bail!("unsupported database backend {other:?}"),
        };
        match &store {
            AnyStore::Sqlite(s) => s.migrate().await?,
            AnyStore::Postgres(s) => s.migrate().await?,
        }
        Ok(store)
    }

    /// Deletes expired sessions every `period` in the background.
    pub fn spawn_expiry_task(&self, period: std::time::Duration) {
        let store = self.clone();
        tokio::spawn(async move {
            let result = match store {
                AnyStore::Sqlite(s) => s.continuously_delete_expired(period).await,
                AnyStore::Postgres(s) => s.continuously_delete_expired(period).await,
            };
            if let Err(error) = result {
                tracing::error!(%error, "expired-session cleanup stopped");
            }
        });
    }
}

#[async_trait::async_trait]
impl SessionStore for AnyStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AnyStore::Sqlite(s) => s.create(record).await,
            AnyStore::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AnyStore::Sqlite(s) => s.save(record).await,
            AnyStore::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AnyStore::Sqlite(s) => s.load(id).await,
            AnyStore::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            AnyStore::Sqlite(s) => s.delete(id).await,
            AnyStore::Postgres(s) => s.delete(id).await,
        }
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure on https, expiring after inactivity (the
/// expiry slides through [`resolve_user`], see [`touch_due`]).
pub fn layer(
    store: AnyStore,
    secure: bool,
    inactivity: std::time::Duration,
) -> SessionManagerLayer<AnyStore> {
    let inactivity = time::Duration::try_from(inactivity).unwrap_or(time::Duration::MAX);
    SessionManagerLayer::new(store)
        .with_name("orderline_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(inactivity))
}

/// Binds the session to a user, with a new session id (no fixation).
pub async fn sign_in(
    session: &Session,
    auth: SessionAuth,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(AUTH_KEY, auth).await?;
    session
        .insert(TOUCHED_KEY, Utc::now().timestamp_millis())
        .await
}

/// The signed-in state of `session`, if any.
pub async fn auth_of(
    session: &Session,
) -> Result<Option<SessionAuth>, tower_sessions::session::Error> {
    session.get::<SessionAuth>(AUTH_KEY).await
}

/// Keeps `session` signed in under a new account session version (after its own password
/// change, which ended every other session).
pub async fn restamp(
    session: &Session,
    auth: SessionAuth,
) -> Result<(), tower_sessions::session::Error> {
    session.insert(AUTH_KEY, auth).await
}

/// Whether a signed-in session last written at `last_ms` must be written again at `now_ms`.
///
/// tower-sessions moves an on-inactivity expiry (in the store and in the cookie's Max-Age) only
/// when it saves the session, and it saves only a modified session. Saving on every request
/// would cost a write per request, so a request re-saves the session once a tenth of the window
/// has passed since the last save, and never more than once a minute: a session then ends
/// between 90% of `SESSION_INACTIVITY_MINUTES` (at least the full window less one minute) and
/// the full window after its last request. A session without the mark is written at once.
pub fn touch_due(last_ms: Option<i64>, now_ms: i64, inactivity: std::time::Duration) -> bool {
    let interval = (inactivity / 10).min(std::time::Duration::from_secs(60));
    let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    last_ms.is_none_or(|last| now_ms.saturating_sub(last) >= interval_ms)
}

/// Slides the session's expiry when [`touch_due`] says so (the layer saves it after the
/// response, with a fresh expiry and cookie); whether it did.
async fn keep_alive(
    session: &Session,
    inactivity: std::time::Duration,
) -> Result<bool, tower_sessions::session::Error> {
    let now_ms = Utc::now().timestamp_millis();
    let last_ms = session.get::<i64>(TOUCHED_KEY).await?;
    let due = touch_due(last_ms, now_ms, inactivity);
    if due {
        session.insert(TOUCHED_KEY, now_ms).await?;
    }
    Ok(due)
}

/// What a long-lived connection needs to check its session again: the store and the users.
#[derive(Debug, Clone)]
pub struct SessionChecker {
    pub store: AnyStore,
    pub db: DatabaseConnection,
}

impl SessionChecker {
    /// Whether the session `id` still signs someone in, read afresh from the store (a
    /// [`Session`] caches its record, so a long-lived WebSocket cannot ask its own): the session
    /// exists and has not expired, and its user is still active with the session version it
    /// signed in with (the checks [`resolve_user`] makes on every request).
    pub async fn still_signed_in(&self, id: &Id) -> session_store::Result<bool> {
        let Some(record) = self.store.load(id).await? else {
            return Ok(false);
        };
        if record.expiry_date <= time::OffsetDateTime::now_utc() {
            return Ok(false);
        }
        let Some(auth) = record
            .data
            .get(AUTH_KEY)
            .and_then(|value| serde_json::from_value::<SessionAuth>(value.clone()).ok())
        else {
            return Ok(false);
        };
        let user = repo::users::find_by_id(&self.db, auth.user_id)
            .await
            .map_err(|error| session_store::Error::Backend(error.to_string()))?;
        Ok(user.is_some_and(|user| user.active && user.session_version == auth.version))
    }
}

/// Ends the session (deletes it from the store and expires the cookie).
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// Where the client address of a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The TCP peer (no proxy, or one that is not trusted).
    Peer,
    /// `X-Forwarded-For`, every header line read in order as one list, written by `hops`
    /// trusted proxies: the client is the entry `hops` places from the right (the address the
    /// outermost trusted proxy saw). A shorter list, or an entry that is not an address, gives
    /// the peer, so such requests share one lockout bucket rather than escape it.
    Forwarded { hops: usize },
}

impl ClientIpSource {
    /// From `TRUST_PROXY_HEADERS` and `TRUSTED_PROXY_HOPS`.
    pub fn new(trust_proxy_headers: bool, trusted_proxy_hops: usize) -> Self {
        if trust_proxy_headers {
            ClientIpSource::Forwarded {
                hops: trusted_proxy_hops.max(1),
            }
        } else {
            ClientIpSource::Peer
        }
    }
}

/// State for [`resolve_user`].
#[derive(Clone)]
pub struct UserResolver {
    pub db: DatabaseConnection,
    pub client_ip: ClientIpSource,
    /// The session inactivity window, for [`touch_due`].
    pub session_inactivity: std::time::Duration,
}

/// Middleware: puts [`CurrentUser`] and [`ClientIp`] into the request extensions.
pub async fn resolve_user(
    State(resolver): State<UserResolver>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request, resolver.client_ip);
    let user = match session.get::<SessionAuth>(AUTH_KEY).await {
        Ok(Some(auth)) => match repo::users::find_by_id(&resolver.db, auth.user_id).await {
            Ok(Some(user)) if user.active && user.session_version == auth.version => {
                match keep_alive(&session, resolver.session_inactivity).await {
                    Ok(true) => {
                        if let Some(handle) = &auth.handle {
                            let agent = request
                                .headers()
                                .get(axum::http::header::USER_AGENT)
                                .and_then(|v| v.to_str().ok());
                            let seen = repo::user_sessions::touch(
                                &resolver.db,
                                handle,
                                ip.to_string(),
                                agent,
                            );
                            if let Err(error) = seen.await {
                                tracing::warn!(%error, "could not record the session's use");
                            }
                        }
                    }
                    Ok(false) => {}
                    Err(error) => tracing::error!(%error, "could not extend the session"),
                }
                Some((&user).into())
            }
            Ok(_) => {
                // Deactivated, password reset or deleted: this session ends now.
                if let Err(error) = session.flush().await {
                    tracing::error!(%error, "could not end a stale session");
                }
                None
            }
            Err(error) => {
                tracing::error!(%error, "could not load the session's user");
                None
            }
        },
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "unreadable session");
            None
        }
    };
    request.extensions_mut().insert(CurrentUser(user));
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

/// The client address, as `source` says (see [`ClientIpSource`]).
fn client_ip(request: &Request, source: ClientIpSource) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let ClientIpSource::Forwarded { hops } = source else {
        return peer;
    };
    let lines: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let joined = lines.join(",");
    let entries: Vec<&str> = joined.split(',').map(str::trim).collect();
    entries
        .len()
        .checked_sub(hops)
        .and_then(|index| entries.get(index))
        .and_then(|entry| entry.parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
