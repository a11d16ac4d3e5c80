//! `GET /api/v1/live`: the browser's WebSocket. Signed-in users only (the session cookie), same
//! origin only. Sends a snapshot, then every event; after a lag, a fresh snapshot.

use super::Hub;
use crate::http::origin;
use app::api::StatusEvent;
use app::ports::CurrentUser;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tokio::sync::broadcast::error::RecvError;

/// The upgrade handler.
pub async fn live(
    State(hub): State<Hub>,
    State(policy): State<origin::OriginPolicy>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // A WebSocket upgrade is a GET, so the POST origin check does not cover it: check here.
    if text(header::ORIGIN).is_none()
        || !policy.allows(text(header::ORIGIN), None, text(header::HOST))
    {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused").into_response();
    }
    upgrade.on_upgrade(move |socket| forward(socket, hub))
}

async fn send(socket: &mut WebSocket, event: &StatusEvent) -> bool {
    match serde_json::to_string(event) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(error) => {
            tracing::error!(%error, "cannot encode a status event");
            true
        }
    }
}

async fn snapshot(socket: &mut WebSocket, hub: &Hub) -> bool {
    match hub.snapshot().await {
        Ok(event) => send(socket, &event).await,
        Err(error) => {
            tracing::error!(%error, "cannot load the live snapshot");
            false
        }
    }
}

async fn forward(mut socket: WebSocket, hub: Hub) {
    let mut events = hub.subscribe();
    if !snapshot(&mut socket, &hub).await {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => if !send(&mut socket, &event).await { return },
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "live client lagged; sending a snapshot");
                    if !snapshot(&mut socket, &hub).await { return }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
