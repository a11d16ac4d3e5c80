//! `GET /api/v1/orders/{order_id}/twilio-media`: the Media Streams WebSocket. Twilio strips query
//! strings from Stream URLs, so the connection is authenticated on the `start` message: its
//! `customParameters` must carry the call id and the call's token (see `calls::media_token`:
//! unused, fresh, the call not over) and its `callSid` must be the call's. Otherwise the socket is
//! closed (1008, policy violation). The audio bridge is the next issue; for now an accepted stream
//! is read until `stop`, malformed frames logged and skipped, then closed normally (1000).

use super::order_row;
use crate::calls::media_token::{Refusal, TokenState};
use crate::db::repo;
use crate::http::AppState;
use crate::twilio::media::{Inbound, Start};
use app::api::CallStatus;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
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
async fn wait_for_start(socket: &mut WebSocket) -> Option<Start> {
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

/// Checks the `start` message against the call: the call id of this order, its token, its SID.
async fn authenticate(state: &AppState, order_id: i32, start: &Start) -> Result<i32, String> {
    let parameter = |name: &str| start.custom_parameters.get(name);
    let call_id = parameter("callId").and_then(|id| id.parse::<i32>().ok());
    let (Some(call_id), Some(token)) = (call_id, parameter("token")) else {
        return Err("missing stream parameters".into());
    };
    let call = match repo::calls::find(&state.db, call_id).await {
        Ok(Some(call)) if call.order_id == order_id => call,
        Ok(_) => return Err("unknown call".into()),
        Err(error) => {
            tracing::error!(%error, "media stream: database error");
            return Err("server error".into());
        }
    };
    let now = Utc::now();
    let token_state = TokenState {
        call_id,
        call_sid: call.call_sid.as_deref(),
        is_final: call.status.parse().is_ok_and(CallStatus::is_final),
        issued_at: call.media_token_issued_at,
        used: call.media_token_used_at.is_some(),
    };
    let checked = state
        .media_tokens
        .check(&token_state, token, &start.call_sid, now);
    checked.map_err(|refusal| refusal.to_string())?;
    match repo::calls::use_media_token(&state.db, call_id, now).await {
        Ok(true) => Ok(call_id),
        Ok(false) => Err(Refusal::Used.to_string()),
        Err(error) => {
            tracing::error!(%error, "media stream: database error");
            Err("server error".into())
        }
    }
}

async fn run(mut socket: WebSocket, state: AppState, order_id: i32) {
    let Ok(Some(start)) = tokio::time::timeout(START_TIMEOUT, wait_for_start(&mut socket)).await
    else {
        return refuse(socket, "no start message").await;
    };
    let call_id = match authenticate(&state, order_id, &start).await {
        Ok(call_id) => call_id,
        Err(reason) => return refuse(socket, &reason).await,
    };
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
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::NORMAL,
            reason: "stream ended".into(),
        })))
        .await;
}
