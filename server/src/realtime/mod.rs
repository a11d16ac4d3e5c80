//! The live status hub: a broadcast channel of [`StatusEvent`]s (call changes, transcript lines,
//! tool calls, order changes) plus a snapshot of the calls that are not over, and the browser
//! WebSocket (`ws`) that forwards them. A browser that lags behind gets a fresh snapshot instead
//! of being dropped (it may miss partial transcript lines; the whole lines are stored).
//!
//! Each event is encoded to JSON once, when published, and every socket sends the same bytes.
//! Sessions that end (sign-out, password reset, deactivation) are announced on a second channel,
//! so the sockets opened with them close at once, on every instance.

pub mod cluster;
pub mod ws;

use crate::db::repo;
use app::api::{CallView, Speaker, StatusEvent};
use axum::extract::ws::Utf8Bytes;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// An event with its JSON, encoded once for every socket.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub event: StatusEvent,
    pub json: Utf8Bytes,
}

impl Encoded {
    fn new(event: StatusEvent) -> Option<Self> {
        match serde_json::to_string(&event) {
            Ok(json) => Some(Encoded {
                event,
                json: json.into(),
            }),
            Err(error) => {
                tracing::error!(%error, "cannot encode a status event");
                None
            }
        }
    }
}

/// Sessions that ended: the live sockets opened with them close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum SessionEnd {
    /// One session (signed out).
    Session { id: String },
    /// Every session of an account (password reset, deactivated, signed out everywhere).
    User { user_id: i64 },
    /// Every session of an account but one (the user changed their password in that one).
    UserExcept { user_id: i64, keep: String },
}

/// Capacity of the broadcast channel; a receiver further behind gets `Lagged` and a snapshot.
const CAPACITY: usize = 1024;

/// Publishes call changes to every connected browser.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Encoded>,
    session_ends: broadcast::Sender<SessionEnd>,
    db: DatabaseConnection,
    /// The other instances on the same PostgreSQL database (a no-op on SQLite).
    cluster: cluster::Relay,
}

impl Hub {
    /// A hub reading snapshots from `db`, for this process alone.
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_cluster(db, cluster::Relay::default())
    }

    /// A hub that also sends what it publishes to the other instances through `cluster`.
    pub fn with_cluster(db: DatabaseConnection, cluster: cluster::Relay) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        let (session_ends, _) = broadcast::channel(CAPACITY);
        Hub {
            sender,
            session_ends,
            db,
            cluster,
        }
    }

    /// The relay to the other instances.
    pub fn cluster(&self) -> &cluster::Relay {
        &self.cluster
    }

    /// Sends a changed call to every subscriber (none listening is fine).
    pub fn publish(&self, call: CallView) {
        self.send(StatusEvent::CallChanged { call });
    }

    /// Sends a transcript piece of a running call (`text` is the line so far, or the whole line
    /// when `done`).
    pub fn publish_transcript(
        &self,
        call_id: i64,
        order_id: i64,
        speaker: Speaker,
        text: String,
        done: bool,
    ) {
        self.send(StatusEvent::Transcript {
            call_id,
            order_id,
            speaker,
            text,
            done,
        });
    }

    /// Sends that the agent ran a tool on a call.
    pub fn publish_tool_called(
        &self,
        call_id: i64,
        order_id: i64,
        name: String,
        result_summary: String,
    ) {
        self.send(StatusEvent::ToolCalled {
            call_id,
            order_id,
            name,
            result_summary,
        });
    }

    /// Sends that an order changed (pages showing it reload it).
    pub fn publish_order_changed(&self, order_id: i64) {
        self.send(StatusEvent::OrderChanged { order_id });
    }

    /// Sends a text's new state.
    pub fn publish_sms(&self, message: app::api::SmsMessageView) {
        self.send(StatusEvent::SmsChanged { message });
    }

    /// Sends a reply that came in.
    pub fn publish_reply(&self, reply: app::api::SmsReplyView) {
        self.send(StatusEvent::SmsReceived { reply });
    }

    /// To this instance's browsers at once, then to the other instances'.
    fn send(&self, event: StatusEvent) {
        if self.cluster.is_active() {
            self.deliver_local(event.clone());
            self.cluster
                .publish(cluster::ClusterMessage::Event { event });
        } else {
            self.deliver_local(event);
        }
    }

    /// To this instance's browsers only (an event from another instance, or a snapshot).
    pub fn deliver_local(&self, event: StatusEvent) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        if let Some(encoded) = Encoded::new(event) {
            // An error only means that the last browser just left.
            let _ = self.sender.send(encoded);
        }
    }

    /// Closes the live sockets of sessions that ended, here and on the other instances.
    pub fn end_sessions(&self, end: SessionEnd) {
        self.deliver_session_end(end.clone());
        self.cluster
            .publish(cluster::ClusterMessage::SessionsEnded { end });
    }

    /// Closes the matching live sockets of this instance.
    pub fn deliver_session_end(&self, end: SessionEnd) {
        let _ = self.session_ends.send(end);
    }

    /// The sessions that end from now on.
    pub fn session_ends(&self) -> broadcast::Receiver<SessionEnd> {
        self.session_ends.subscribe()
    }

    /// A new subscription.
    pub fn subscribe(&self) -> broadcast::Receiver<Encoded> {
        self.sender.subscribe()
    }

    /// The calls that are not over.
    pub async fn snapshot(&self) -> Result<StatusEvent, sea_orm::DbErr> {
        let calls = repo::calls::active(&self.db).await?;
        Ok(StatusEvent::Snapshot {
            calls: calls.into_iter().map(Into::into).collect(),
        })
    }
}
