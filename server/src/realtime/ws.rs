//! `GET /api/v1/live`: the browser's WebSocket. Signed-in users only (the session cookie), same
//! origin only. Sends a snapshot, then every event; after a lag, a fresh snapshot.
//!
//! A socket outlives the request that opened it, so it closes when its session ends: at once when
//! the session is ended on purpose (signed out, password reset, account deactivated, on any
//! instance: [`Hub::end_sessions`]), and within [`RECHECK_EVERY`] otherwise (expired), by
//! checking the session again. It closes with code 1008 and the reason [`SESSION_ENDED`], so no
//! more call events reach it. Forwarding an event costs no database query: the fan-out to a
//! thousand sockets sends the same encoded bytes a thousand times.

use super::{Hub, SessionEnd};
use crate::auth::session::SessionChecker;
use crate::drain::Drain;
use crate::http::AppState;
use app::ports::CurrentUser;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, MissedTickBehavior};
use tower_sessions::session::Id;
use tower_sessions::Session;

/// How often an idle socket re-checks its session.
pub const RECHECK_EVERY: Duration = Duration::from_secs(3);
/// The close reason sent when the session has ended.
pub const SESSION_ENDED: &str = "session ended";
/// The close reason sent (with code 1012) when this instance drains.
pub const SHUTTING_DOWN: &str = "server shutting down";

/// The upgrade handler.
pub async fn live(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    session: Session,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let (Some(user), Some(id)) = (user, session.id()) else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    if !state.origin.allows_upgrade(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused").into_response();
    }
    if state.drain.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "this server is shutting down",
        )
            .into_response();
    }
    let guard = SessionGuard {
        checker: state.sessions,
        session: id.to_string(),
        id,
        user_id: user.id,
    };
    let (hub, drain) = (state.hub, state.drain);
    upgrade.on_upgrade(move |socket| forward(socket, hub, guard, drain))
}

/// The session a socket was opened with.
struct SessionGuard {
    checker: SessionChecker,
    id: Id,
    /// `id` as [`SessionEnd::Session`] names it.
    session: String,
    user_id: i64,
}

impl SessionGuard {
    /// Whether the session has ended. A failed check (database unreachable) is logged and
    /// counts as not ended: a passing outage must not close every browser's socket.
    async fn ended(&self) -> bool {
        match self.checker.still_signed_in(&self.id).await {
            Ok(signed_in) => !signed_in,
            Err(error) => {
                tracing::warn!(%error, "cannot re-check a live socket's session");
                false
            }
        }
    }

    /// Whether `end` ends this socket's session.
    fn is_ended_by(&self, end: &SessionEnd) -> bool {
        match end {
            SessionEnd::Session { id } => *id == self.session,
            SessionEnd::User { user_id } => *user_id == self.user_id,
            SessionEnd::UserExcept { user_id, keep } => {
                *user_id == self.user_id && *keep != self.session
            }
        }
    }
}

async fn send(socket: &mut WebSocket, json: Utf8Bytes) -> bool {
    socket.send(Message::Text(json)).await.is_ok()
}

async fn snapshot(socket: &mut WebSocket, hub: &Hub) -> bool {
    match hub.snapshot().await {
        Ok(event) => match serde_json::to_string(&event) {
            Ok(json) => send(socket, json.into()).await,
            Err(error) => {
                tracing::error!(%error, "cannot encode the live snapshot");
                false
            }
        },
        Err(error) => {
            tracing::error!(%error, "cannot load the live snapshot");
            false
        }
    }
}

/// Closes the socket because its session ended.
async fn close_ended(socket: WebSocket) {
    close(socket, close_code::POLICY, SESSION_ENDED).await;
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn forward(mut socket: WebSocket, hub: Hub, guard: SessionGuard, drain: Drain) {
    let _open = crate::metrics::LiveSocketGauge::open();
    let mut events = hub.subscribe();
    let mut session_ends = hub.session_ends();
    if !snapshot(&mut socket, &hub).await {
        return;
    }
    let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let draining = drain.begun();
    tokio::pin!(draining);
    loop {
        tokio::select! {
            // The browser reconnects, through the load balancer, to an instance that stays.
            () = &mut draining => return close(socket, close_code::RESTART, SHUTTING_DOWN).await,
            _ = recheck.tick() => if guard.ended().await { return close_ended(socket).await },
            end = session_ends.recv() => match end {
                Ok(end) => if guard.is_ended_by(&end) { return close_ended(socket).await },
                // Some announcements were missed: ask the database.
                Err(RecvError::Lagged(_)) => if guard.ended().await { return close_ended(socket).await },
                Err(RecvError::Closed) => return,
            },
            event = events.recv() => {
                match event {
                    Ok(encoded) => if !send(&mut socket, encoded.json).await { return },
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::debug!(skipped, "live client lagged; sending a snapshot");
                        if !snapshot(&mut socket, &hub).await { return }
                    }
                    Err(RecvError::Closed) => return,
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
