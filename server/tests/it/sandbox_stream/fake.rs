//! A tiny Media Streams server for the sandbox leg's tests: it accepts one WebSocket, records
//! the upgrade request and every message with its arrival time, and sends what the test asks.

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What the server saw.
#[derive(Debug)]
pub enum Seen {
    /// A text message (parsed JSON) and when it arrived.
    Json(Value, Instant),
    /// The client closed, with its close code.
    Closed(Option<u16>),
}

/// What the test makes the server do.
pub enum Act {
    Text(String),
    Close(u16),
}

#[derive(Clone)]
struct Shared {
    seen: mpsc::UnboundedSender<Seen>,
    acts: Arc<Mutex<Option<mpsc::UnboundedReceiver<Act>>>>,
    upgrade: Arc<Mutex<Option<(Uri, HeaderMap)>>>,
    /// Answer the upgrade with this status instead of accepting it.
    refuse: Option<StatusCode>,
}

pub struct FakeServer {
    /// `ws://127.0.0.1:port/media`.
    pub url: url::Url,
    seen: mpsc::UnboundedReceiver<Seen>,
    acts: mpsc::UnboundedSender<Act>,
    upgrade: Arc<Mutex<Option<(Uri, HeaderMap)>>>,
}

async fn upgrade(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    *shared.upgrade.lock().unwrap() = Some((uri, headers));
    if let Some(status) = shared.refuse {
        return status.into_response();
    }
    let acts = shared.acts.lock().unwrap().take();
    ws.on_upgrade(move |socket| serve(socket, shared.seen, acts))
}

async fn serve(
    socket: WebSocket,
    seen: mpsc::UnboundedSender<Seen>,
    acts: Option<mpsc::UnboundedReceiver<Act>>,
) {
    let Some(mut acts) = acts else { return };
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let json = serde_json::from_str(text.as_str()).unwrap();
                    let _ = seen.send(Seen::Json(json, Instant::now()));
                }
                Some(Ok(Message::Close(frame))) => {
                    let _ = seen.send(Seen::Closed(frame.map(|f| f.code)));
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    let _ = seen.send(Seen::Closed(None));
                    return;
                }
            },
            act = acts.recv() => match act {
                Some(Act::Text(text)) => { let _ = sink.send(Message::Text(text.into())).await; }
                Some(Act::Close(code)) => {
                    let frame = CloseFrame { code, reason: "bye".into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                }
                None => return,
            },
        }
    }
}

impl FakeServer {
    /// A server accepting one stream on `/media`.
    pub async fn start() -> FakeServer {
        Self::start_with(None).await
    }

    /// A server answering the upgrade with `refuse` (when given) instead of accepting it.
    pub async fn start_with(refuse: Option<StatusCode>) -> FakeServer {
        let (seen_tx, seen) = mpsc::unbounded_channel();
        let (acts, acts_rx) = mpsc::unbounded_channel();
        let upgrade_seen = Arc::new(Mutex::new(None));
        let shared = Shared {
            seen: seen_tx,
            acts: Arc::new(Mutex::new(Some(acts_rx))),
            upgrade: upgrade_seen.clone(),
            refuse,
        };
        let router = axum::Router::new()
            .route("/media", get(upgrade))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeServer {
            url: url::Url::parse(&format!("ws://127.0.0.1:{port}/media")).unwrap(),
            seen,
            acts,
            upgrade: upgrade_seen,
        }
    }

    /// The upgrade request's URI and headers.
    pub fn upgrade(&self) -> (Uri, HeaderMap) {
        self.upgrade
            .lock()
            .unwrap()
            .clone()
            .expect("an upgrade request")
    }

    /// Sends a text message to the leg.
    pub fn send(&self, json: Value) {
        self.acts.send(Act::Text(json.to_string())).unwrap();
    }

    /// Sends raw text to the leg.
    pub fn send_raw(&self, text: &str) {
        self.acts.send(Act::Text(text.to_owned())).unwrap();
    }

    /// Closes the socket with `code`.
    pub fn close(&self, code: u16) {
        self.acts.send(Act::Close(code)).unwrap();
    }

    /// The next thing seen, within 5 s.
    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(Duration::from_secs(5), self.seen.recv())
            .await
            .expect("the server sees something within 5 s")
            .expect("the server runs")
    }

    /// The next JSON message, within 5 s.
    pub async fn next_json(&mut self) -> (Value, Instant) {
        match self.next().await {
            Seen::Json(json, at) => (json, at),
            Seen::Closed(code) => panic!("closed ({code:?}) instead of a message"),
        }
    }

    /// The next message whose event is not `media`, within 5 s.
    pub async fn next_non_media(&mut self) -> Seen {
        loop {
            match self.next().await {
                Seen::Json(json, _) if json["event"] == "media" => continue,
                other => return other,
            }
        }
    }
}
