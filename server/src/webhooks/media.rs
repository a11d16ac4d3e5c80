//! `GET /api/v1/orders/{order_id}/twilio-media`: the Media Streams WebSocket. Twilio strips query
//! strings from Stream URLs, so the connection is authenticated on the `start` message: its
//! `customParameters` must carry the call id and the single-use token the voice webhook issued.
//! Without them the socket is closed (policy violation). The audio bridge is the next issue; for
//! now an accepted stream is read until `stop`, malformed frames logged and skipped.

use super::order_row;
use crate::auth::sha256_hex;
use crate::db::repo;
use crate::http::AppState;
use crate::twilio::media::Inbound;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// How long Twilio has to send `start` after connecting.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The upgrade handler.
pub async fn media(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(order_id) = order_row(&order_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    upgrade.on_upgrade(move |socket| run(socket, state, order_id))
}

async fn refuse(mut socket: WebSocket, reason: &str) {
    tracing::warn!(%reason, "media stream refused");
    let frame = CloseFrame {
        code: close_code::POLICY,
        reason: reason.to_owned().into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Reads frames until `start`, skipping `connected` and malformed frames.
async fn wait_for_start(socket: &mut WebSocket) -> Option<crate::twilio::media::Start> {
    loop {
        let Some(Ok(message)) = socket.recv().await else {
            return None;
        };
        let Message::Text(text) = message else {
            continue;
        };
        match serde_json::from_str::<Inbound>(&text) {
            Ok(Inbound::Start { start, .. }) => return Some(start),
            Ok(_) => continue,
            Err(error) => tracing::warn!(%error, "malformed Media Streams frame skipped"),
        }
    }
}

async fn run(mut socket: WebSocket, state: AppState, order_id: i32) {
    let Ok(Some(start)) = tokio::time::timeout(START_TIMEOUT, wait_for_start(&mut socket)).await
    else {
        return refuse(socket, "no start message").await;
    };
    let call_id = start
        .custom_parameters
        .get("callId")
        .and_then(|id| id.parse::<i32>().ok());
    let token = start.custom_parameters.get("token");
    let (Some(call_id), Some(token)) = (call_id, token) else {
        return refuse(socket, "missing stream parameters").await;
    };
    match repo::calls::consume_media_token(&state.db, order_id, call_id, &sha256_hex(token)).await {
        Ok(true) => {}
        Ok(false) => return refuse(socket, "invalid or used stream token").await,
        Err(error) => {
            tracing::error!(%error, "media stream: database error");
            return refuse(socket, "server error").await;
        }
    }
    tracing::info!(call_id, call_sid = %start.call_sid, "media stream connected");
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(text) = message else {
            continue;
        };
        match serde_json::from_str::<Inbound>(&text) {
            Ok(Inbound::Stop { .. }) => break,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "malformed Media Streams frame skipped"),
        }
    }
    tracing::info!(call_id, "media stream ended");
}
