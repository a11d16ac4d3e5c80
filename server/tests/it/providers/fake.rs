//! Scriptable fakes of OpenAI Realtime and Gemini Live (protocols.md §7, §8) for the provider
//! session tests. Each completes the handshake as the real service does (refusing a bad key the
//! same way), then hands the test a [`Peer`]: what the client sent, and a way to answer.

use crate::fakes::{GEMINI_KEY, OPENAI_KEY};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a test waits for anything before it fails (a safety net, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(5);

/// One accepted connection, past its handshake.
pub struct Peer {
    /// OpenAI: the `session` of `session.update`. Gemini: the body of `setup`.
    pub config: Value,
    /// The `model` query parameter (OpenAI).
    pub model: String,
    inbox: mpsc::UnboundedReceiver<Value>,
    outbox: mpsc::UnboundedSender<Message>,
}

impl Peer {
    /// The next JSON message from the client; `None` once the client has disconnected.
    pub async fn next(&mut self) -> Option<Value> {
        tokio::time::timeout(PATIENCE, self.inbox.recv())
            .await
            .expect("the client sent nothing")
    }

    /// Sends a JSON text frame (Gemini may also use binary: see `send_binary`).
    pub fn send(&self, message: Value) {
        let _ = self.outbox.send(Message::Text(message.to_string().into()));
    }

    /// Sends JSON in a binary frame, as Gemini does.
    pub fn send_binary(&self, message: Value) {
        let _ = self
            .outbox
            .send(Message::Binary(message.to_string().into_bytes().into()));
    }

    /// Closes the connection with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) {
        let reason = reason.to_owned().into();
        let _ = self
            .outbox
            .send(Message::Close(Some(CloseFrame { code, reason })));
    }
}

/// A fake provider endpoint.
pub struct FakeProvider {
    pub url: String,
    peers: mpsc::UnboundedReceiver<Peer>,
}

impl FakeProvider {
    /// The next connection that completed its handshake.
    pub async fn peer(&mut self) -> Peer {
        tokio::time::timeout(PATIENCE, self.peers.recv())
            .await
            .expect("no connection")
            .expect("the fake stopped")
    }
}

type Peers = mpsc::UnboundedSender<Peer>;

async fn serve(router: Router, path: &str, peers: mpsc::UnboundedReceiver<Peer>) -> FakeProvider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake");
    let address = listener.local_addr().expect("fake address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    FakeProvider {
        url: format!("ws://{address}{path}"),
        peers,
    }
}

fn text_json(message: Message) -> Option<Value> {
    match message {
        Message::Text(text) => serde_json::from_str(&text).ok(),
        Message::Binary(bytes) => serde_json::from_slice(&bytes).ok(),
        _ => None,
    }
}

/// Relays the socket to a new [`Peer`] until either side closes.
async fn hand_over(mut socket: WebSocket, config: Value, model: String, peers: Peers) {
    let (inbox_tx, inbox) = mpsc::unbounded_channel();
    let (outbox, mut outbox_rx) = mpsc::unbounded_channel();
    let _ = peers.send(Peer {
        config,
        model,
        inbox,
        outbox,
    });
    loop {
        tokio::select! {
            received = socket.recv() => match received {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(message)) => {
                    if let Some(value) = text_json(message) {
                        let _ = inbox_tx.send(value);
                    }
                }
            },
            outgoing = outbox_rx.recv() => {
                let Some(message) = outgoing else { return };
                let closing = matches!(message, Message::Close(_));
                if socket.send(message).await.is_err() || closing {
                    return;
                }
            }
        }
    }
}

async fn openai_upgrade(
    State(peers): State<Peers>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {OPENAI_KEY}")) {
        let body = json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let model = query.get("model").cloned().unwrap_or_default();
    upgrade.on_upgrade(move |mut socket| async move {
        let created = json!({"type": "session.created", "event_id": "event_1", "session": {"type": "realtime", "id": "sess_1", "model": model}});
        let _ = socket.send(Message::Text(created.to_string().into())).await;
        let Some(Ok(first)) = socket.recv().await else { return };
        let Some(update) = text_json(first).filter(|e| e["type"] == "session.update") else {
            return;
        };
        let updated = json!({"type": "session.updated", "event_id": "event_2", "session": update["session"]});
        let _ = socket.send(Message::Text(updated.to_string().into())).await;
        hand_over(socket, update["session"].clone(), model, peers).await;
    })
}

/// Starts a fake OpenAI Realtime endpoint.
pub async fn openai() -> FakeProvider {
    let (peers_tx, peers) = mpsc::unbounded_channel();
    let router = Router::new()
        .route("/v1/realtime", get(openai_upgrade))
        .with_state(peers_tx);
    serve(router, "/v1/realtime", peers).await
}

async fn gemini_upgrade(
    State(peers): State<Peers>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let key_ok = headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) == Some(GEMINI_KEY);
    upgrade.on_upgrade(move |mut socket| async move {
        let Some(Ok(first)) = socket.recv().await else {
            return;
        };
        let Some(setup) = text_json(first).map(|m| m["setup"].clone()) else {
            return;
        };
        if !key_ok {
            let reason = "API key not valid. Please pass a valid API key.".into();
            let frame = CloseFrame { code: 1008, reason };
            let _ = socket.send(Message::Close(Some(frame))).await;
            return;
        }
        let complete = br#"{"setupComplete":{}}"#.to_vec();
        let _ = socket.send(Message::Binary(complete.into())).await;
        hand_over(socket, setup, String::new(), peers).await;
    })
}

/// Starts a fake Gemini Live endpoint.
pub async fn gemini() -> FakeProvider {
    let (peers_tx, peers) = mpsc::unbounded_channel();
    let path = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
    let router = Router::new()
        .route(path, get(gemini_upgrade))
        .with_state(peers_tx);
    serve(router, path, peers).await
}
