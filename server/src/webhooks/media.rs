//! `GET /api/v1/orders/{order_id}/twilio-media`: the Media Streams WebSocket.
//!
//! Before upgrading: the request must carry Twilio's signature over the `wss://` URL
//! ([`VerifiedUpgrade`], else 403), and at most [`MAX_UNAUTHENTICATED`] sockets may be waiting
//! for their token check (else 503): a signed upgrade can be replayed (signatures carry no nonce),
//! so without a cap replays could each hold a socket for [`START_TIMEOUT`]. Messages and frames
//! are limited to [`MAX_MESSAGE`] (a larger one closes the socket with 1009).
//!
//! After upgrading: Twilio strips query strings from Stream URLs, so the stream is authenticated
//! on its `start` message, whose `customParameters` must carry the call id and the call's token
//! (see `calls::media_token`: unused, fresh, the call not over) and whose `callSid` must be the
//! call's; otherwise the socket is closed with 1008 (policy). Nothing reaches an AI provider
//! before that. An accepted stream is handed to the call's agent (`calls::agent`), which bridges
//! it until `stop`, a closed socket, [`IDLE_TIMEOUT`] of silence, the agent's goodbye, the
//! maximum length or a hang-up; the socket is then closed with 1000.

use super::order_row;
use super::verify::VerifiedUpgrade;
use crate::calls::agent::{self, CallStream, IDLE_TIMEOUT};
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
use futures_util::{SinkExt, Stream, StreamExt};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite;

/// The largest message accepted. Twilio's largest is `start` (under 1 KiB with our two
/// parameters); a media frame is about 300 bytes (20 ms of mu-law, 160 bytes, in base64 + JSON).
pub const MAX_MESSAGE: usize = 16 * 1024;
/// The largest frame accepted (Twilio sends each message in one frame).
pub const MAX_FRAME: usize = MAX_MESSAGE;
/// Sockets that passed the signature check but not yet the token check, at most. A genuine
/// stream sends `start` right after connecting, so this allows 16 calls answered in the same
/// second; the 17th socket waits for a slot to free (Twilio gets 503 and logs error 31920).
pub const MAX_UNAUTHENTICATED: usize = 16;
/// How long Twilio has to send `start` after connecting.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The slots of sockets not yet authenticated (see [`MAX_UNAUTHENTICATED`]).
#[derive(Clone)]
pub struct PendingStreams(Arc<Semaphore>);

impl Default for PendingStreams {
    fn default() -> Self {
        PendingStreams(Arc::new(Semaphore::new(MAX_UNAUTHENTICATED)))
    }
}

/// The upgrade handler.
pub async fn media(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    _signed: VerifiedUpgrade,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(order_id) = order_row(&order_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(slot) = state.pending_streams.0.clone().try_acquire_owned() else {
        tracing::warn!(
            "media stream refused: {MAX_UNAUTHENTICATED} sockets await their token check"
        );
        return (StatusCode::SERVICE_UNAVAILABLE, "too many pending streams").into_response();
    };
    upgrade
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| run(socket, state, order_id, slot))
}

/// How reading a stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StreamEnd {
    /// The socket was closed.
    Closed,
    /// No frame before the timer fired.
    Idle,
    /// A message over [`MAX_MESSAGE`].
    TooLarge,
    /// A read error.
    Broken(String),
    /// We refused it: no `start` in time, or its token or call is wrong.
    Refused(String),
}

fn is_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(tungstenite::Error::Capacity(_)) = error.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The next message Twilio sent, skipping malformed and non-text frames (logged); or how the
/// stream ended, `Idle` when `timer` fired first.
async fn next_message<S, E>(
    frames: &mut S,
    timer: impl Future<Output = ()>,
) -> Result<Inbound, StreamEnd>
where
    S: Stream<Item = Result<Message, E>> + Unpin,
    E: std::error::Error + 'static,
{
    tokio::pin!(timer);
    loop {
        let frame = tokio::select! {
            biased;
            frame = frames.next() => frame,
            () = &mut timer => return Err(StreamEnd::Idle),
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | None => return Err(StreamEnd::Closed),
            Some(Ok(_)) => continue,
            Some(Err(error)) if is_too_large(&error) => return Err(StreamEnd::TooLarge),
            Some(Err(error)) => return Err(StreamEnd::Broken(error.to_string())),
        };
        match serde_json::from_str::<Inbound>(&text) {
            Ok(message) => return Ok(message),
            Err(error) => tracing::warn!(%error, "malformed Media Streams frame skipped"),
        }
    }
}

/// Reads until `start` (its stream SID and payload); `timer` makes the deadline for each message.
async fn wait_for_start<S, E, F>(
    frames: &mut S,
    mut timer: impl FnMut() -> F,
) -> Result<(String, Start), StreamEnd>
where
    S: Stream<Item = Result<Message, E>> + Unpin,
    E: std::error::Error + 'static,
    F: Future<Output = ()>,
{
    loop {
        if let Inbound::Start { stream_sid, start } = next_message(frames, timer()).await? {
            return Ok((stream_sid, start));
        }
    }
}

/// The texts of a started stream, ending when it closes or breaks (logged).
fn texts<S>(frames: S) -> impl futures_util::Stream<Item = String> + Unpin
where
    S: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let open = |frame: &Result<Message, axum::Error>| {
        let open = match frame {
            Ok(Message::Close(_)) => false,
            Ok(_) => true,
            Err(error) if is_too_large(error) => {
                tracing::warn!("media stream ended: a message over {MAX_MESSAGE} bytes");
                false
            }
            Err(error) => {
                tracing::info!(%error, "media stream ended: read error");
                false
            }
        };
        std::future::ready(open)
    };
    let text = |frame: Result<Message, axum::Error>| {
        std::future::ready(match frame {
            Ok(Message::Text(text)) => Some(text.as_str().to_owned()),
            _ => None,
        })
    };
    Box::pin(frames.take_while(open).filter_map(text))
}

/// Ends the socket as `end` calls for: a close frame with a code and reason when we end it.
async fn close(mut socket: WebSocket, end: &StreamEnd) {
    let (code, reason) = match end {
        StreamEnd::Idle => (
            close_code::AWAY,
            format!("no frame for {} s", IDLE_TIMEOUT.as_secs()),
        ),
        StreamEnd::TooLarge => (close_code::SIZE, "message too large".to_owned()),
        StreamEnd::Refused(reason) => (close_code::POLICY, reason.clone()),
        StreamEnd::Closed | StreamEnd::Broken(_) => return,
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
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

async fn run(mut socket: WebSocket, state: AppState, order_id: i32, slot: OwnedSemaphorePermit) {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    let (stream_sid, start) =
        match wait_for_start(&mut socket, || tokio::time::sleep_until(deadline)).await {
            Ok(started) => started,
            Err(end) => {
                tracing::warn!(?end, "media stream refused: no start message");
                let end = match end {
                    StreamEnd::Idle => StreamEnd::Refused("no start message".into()),
                    other => other,
                };
                return close(socket, &end).await;
            }
        };
    let call_id = match authenticate(&state, order_id, &start).await {
        Ok(call_id) => call_id,
        Err(reason) => {
            tracing::warn!(%reason, "media stream refused");
            return close(socket, &StreamEnd::Refused(reason)).await;
        }
    };
    drop(slot);
    tracing::info!(call_id, call_sid = %start.call_sid, "media stream connected");
    let stream = CallStream {
        call_id,
        order_id,
        stream_sid,
        call_sid: start.call_sid,
    };
    let (mut sink, frames) = socket.split();
    let outgoing = (&mut sink)
        .with(|text: String| std::future::ready(Ok::<_, axum::Error>(Message::Text(text.into()))));
    agent::serve(&state.agents, &stream, texts(frames), Box::pin(outgoing)).await;
    let frame = CloseFrame {
        code: close_code::NORMAL,
        reason: "stream ended".into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    /// Frames, then silence for ever.
    fn frames(texts: &[&str]) -> impl Stream<Item = Result<Message, std::io::Error>> + Unpin {
        let messages: Vec<Result<Message, std::io::Error>> = texts
            .iter()
            .map(|text| Ok(Message::Text((*text).into())))
            .collect();
        stream::iter(messages).chain(stream::pending())
    }

    #[tokio::test]
    async fn the_start_is_awaited_past_connected_until_the_deadline() {
        let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
        let start = r#"{"event":"start","sequenceNumber":"1","start":{"callSid":"CA1","customParameters":{"callId":"7"}},"streamSid":"MZ1"}"#;
        let mut started = frames(&[connected, start]);
        let got = wait_for_start(&mut started, std::future::pending).await;
        assert_eq!(
            got.map(|(sid, s)| (sid, s.call_sid)),
            Ok(("MZ1".to_owned(), "CA1".to_owned()))
        );
        let mut silent = frames(&[connected]);
        let got = wait_for_start(&mut silent, || std::future::ready(())).await;
        assert_eq!(got.map(|(_, s)| s.call_sid), Err(StreamEnd::Idle));
    }
}
