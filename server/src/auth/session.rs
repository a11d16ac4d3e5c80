//! Sessions: tower-sessions with its sqlx store on the same pool as SeaORM (SQLite or
//! PostgreSQL, chosen at start), and the middleware that resolves the signed-in user of every
//! request (ending the session at once when the account was deactivated or its password reset).

use crate::db::repo;
use app::ports::{ClientIp, CurrentUser};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
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

/// What a signed-in session remembers: the user and the account's session version at login.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i32,
    pub version: i32,
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

/// The session layer: HttpOnly, SameSite=Lax, Secure on https, expiring after inactivity.
pub fn layer(
    store: AnyStore,
    secure: bool,
    inactivity_minutes: i64,
) -> SessionManagerLayer<AnyStore> {
    SessionManagerLayer::new(store)
        .with_name("orderline_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            inactivity_minutes,
        )))
}

/// Binds the session to a user, with a new session id (no fixation).
pub async fn sign_in(
    session: &Session,
    auth: SessionAuth,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(AUTH_KEY, auth).await
}

/// Ends the session (deletes it from the store and expires the cookie).
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// State for [`resolve_user`].
#[derive(Clone)]
pub struct UserResolver {
    pub db: DatabaseConnection,
    pub trust_proxy_headers: bool,
}

/// Middleware: puts [`CurrentUser`] and [`ClientIp`] into the request extensions.
pub async fn resolve_user(
    State(resolver): State<UserResolver>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request, resolver.trust_proxy_headers);
    let user = match session.get::<SessionAuth>(AUTH_KEY).await {
        Ok(Some(auth)) => match repo::users::find_by_id(&resolver.db, auth.user_id).await {
            Ok(Some(user)) if user.active && user.session_version == auth.version => {
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

/// The peer address, or the last `X-Forwarded-For` hop when the proxy is trusted.
fn client_ip(request: &Request, trust_proxy_headers: bool) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    if !trust_proxy_headers {
        return peer;
    }
    request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|hop| hop.trim().parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(forwarded: Option<&str>) -> Request {
        let mut builder = axum::http::Request::builder().uri("/");
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut request = builder.body(axum::body::Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        request
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
        let req = request(Some("203.0.113.9"));
        assert_eq!(client_ip(&req, false), IpAddr::from([10, 0, 0, 1]));
        assert_eq!(client_ip(&req, true), IpAddr::from([203, 0, 113, 9]));
    }

    #[test]
    fn the_hop_added_by_our_proxy_is_used_not_the_spoofable_first() {
        let req = request(Some("1.2.3.4, 203.0.113.9"));
        assert_eq!(client_ip(&req, true), IpAddr::from([203, 0, 113, 9]));
        assert_eq!(client_ip(&request(None), true), IpAddr::from([10, 0, 0, 1]));
    }
}
