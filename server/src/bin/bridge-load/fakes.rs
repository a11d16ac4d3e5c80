//! The two external services on loopback, as small as the load needs: Twilio's REST API (create
//! and update calls, fetch a call) and an OpenAI Realtime endpoint that completes the handshake,
//! times every `input_audio_buffer.append` against the send time the caller wrote into its audio,
//! and answers with agent audio (one 200 ms `response.output_audio.delta` per 10 frames heard).

use crate::frame::{self, FrameId};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";
pub const OWNED_NUMBER: &str = "+15005550006";
pub const OPENAI_KEY: &str = "sk-load-0123456789abcdef";

/// Caller frames heard per agent audio delta sent back.
const FRAMES_PER_DELTA: u32 = 10;
/// Agent audio per delta: 200 ms of mu-law at 8 kHz.
const DELTA_BYTES: usize = 1600;

/// Serves `router` on a loopback port with TCP_NODELAY on every accepted socket; the address.
async fn serve(router: Router) -> anyhow::Result<std::net::SocketAddr> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}

/// Starts the fake Twilio REST API; its base URL.
pub async fn twilio() -> anyhow::Result<String> {
    let created = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/{*rest}",
            get(fetch_call).post(post_calls),
        )
        .with_state(created);
    Ok(format!("http://{}", serve(router).await?))
}

fn call_resource(call_sid: &str, status: &str) -> serde_json::Value {
    json!({"sid": call_sid, "account_sid": ACCOUNT_SID, "to": "+33612345678",
           "from": OWNED_NUMBER, "status": status, "direction": "outbound-api",
           "api_version": "2010-04-01", "start_time": null, "end_time": null, "duration": null,
           "answered_by": null,
           "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call_sid}.json")})
}

fn authorized(headers: &axum::http::HeaderMap) -> bool {
    let expected = BASE64.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {expected}"))
}

/// `POST .../Calls.json` creates a call (SID `CA` + its number); `POST .../Calls/{sid}.json`
/// updates one (hang-up, apology).
async fn post_calls(
    State(created): State<Arc<AtomicUsize>>,
    Path((_sid, rest)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if rest == "Calls.json" {
        let number = created.fetch_add(1, Ordering::Relaxed) + 1;
        let sid = format!("CA{number:032x}");
        return (StatusCode::CREATED, Json(call_resource(&sid, "queued"))).into_response();
    }
    match rest
        .strip_prefix("Calls/")
        .and_then(|f| f.strip_suffix(".json"))
    {
        Some(sid) => Json(call_resource(sid, "completed")).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET .../Calls/{sid}.json` (the reconciler): every call is in progress.
async fn fetch_call(Path((_sid, rest)): Path<(String, String)>) -> Response {
    match rest
        .strip_prefix("Calls/")
        .and_then(|f| f.strip_suffix(".json"))
    {
        Some(sid) => Json(call_resource(sid, "in-progress")).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// What the fake provider saw of one call's audio.
#[derive(Debug, Default)]
pub struct Heard {
    /// The call, from the first frame (None: no frame arrived).
    pub call: Option<u32>,
    /// Frames received.
    pub frames: u64,
    /// Frames whose sequence number was not the next one expected.
    pub out_of_order: u64,
    /// Each frame's delay from the caller's send to this receipt, in microseconds, for frames
    /// sent once the session was open (the bridge was running).
    pub delays_us: Vec<u32>,
    /// The same for frames sent before the session was open: they waited in the server's socket
    /// while the call was being set up (token check, order facts, provider handshake).
    pub setup_delays_us: Vec<u32>,
    /// When the session opened (`session.updated` sent), on the frames' clock.
    opened_us: u64,
    /// Agent audio deltas sent back.
    pub deltas: u64,
}

/// The fake OpenAI Realtime endpoint's record: one [`Heard`] per closed session.
#[derive(Clone, Default)]
pub struct Provider {
    pub heard: Arc<Mutex<Vec<Heard>>>,
    /// The agent audio delta, the same text for every answer.
    delta: Utf8Bytes,
}

/// Starts the fake OpenAI Realtime endpoint; its ws:// URL and its record.
pub async fn openai() -> anyhow::Result<(String, Provider)> {
    // A 400 Hz square wave at a moderate level, in mu-law.
    let audio: Vec<u8> = (0..DELTA_BYTES)
        .map(|i| if (i / 10) % 2 == 0 { 0x9f } else { 0x1f })
        .collect();
    let delta = json!({"type": "response.output_audio.delta", "event_id": "event_load",
        "response_id": "resp_load", "item_id": "item_load", "output_index": 0, "content_index": 0,
        "delta": BASE64.encode(audio)});
    let provider = Provider {
        heard: Arc::default(),
        delta: delta.to_string().into(),
    };
    let router = Router::new()
        .route("/v1/realtime", get(upgrade))
        .with_state(provider.clone());
    let address = serve(router).await?;
    Ok((format!("ws://{address}/v1/realtime"), provider))
}

async fn upgrade(
    State(provider): State<Provider>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {OPENAI_KEY}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    upgrade.on_upgrade(move |socket| session(socket, provider))
}

/// The fields of a client event the fake reads (borrowed: base64 has no escapes).
#[derive(Deserialize)]
struct ClientEvent<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    audio: Option<&'a str>,
}

async fn session(mut socket: WebSocket, provider: Provider) {
    let created = json!({"type": "session.created", "event_id": "event_1",
        "session": {"type": "realtime", "id": "sess_load"}});
    if socket
        .send(Message::Text(created.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut heard = Heard::default();
    let mut next_seq = 0u32;
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(event) = serde_json::from_str::<ClientEvent>(&text) else {
            continue;
        };
        match event.kind {
            "input_audio_buffer.append" => {
                let Some(id) = event.audio.and_then(frame::read) else {
                    continue;
                };
                record(&mut heard, &mut next_seq, id);
                if heard.frames % u64::from(FRAMES_PER_DELTA) == 0 {
                    heard.deltas += 1;
                    let delta = Message::Text(provider.delta.clone());
                    if socket.send(delta).await.is_err() {
                        break;
                    }
                }
            }
            "session.update" => {
                heard.opened_us = frame::now_us();
                let updated = json!({"type": "session.updated", "event_id": "event_2",
                    "session": {"type": "realtime"}});
                if socket
                    .send(Message::Text(updated.to_string().into()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Ok(mut all) = provider.heard.lock() {
        all.push(heard);
    }
}

fn record(heard: &mut Heard, next_seq: &mut u32, id: FrameId) {
    let delay = frame::now_us().saturating_sub(id.sent_us);
    heard.call.get_or_insert(id.call);
    heard.frames += 1;
    if id.seq != *next_seq {
        heard.out_of_order += 1;
    }
    *next_seq = id.seq + 1;
    let delays = if id.sent_us < heard.opened_us {
        &mut heard.setup_delays_us
    } else {
        &mut heard.delays_us
    };
    delays.push(u32::try_from(delay).unwrap_or(u32::MAX));
}
