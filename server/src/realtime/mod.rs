//! The live status hub: a broadcast channel of [`StatusEvent`]s (call changes, transcript lines,
//! tool calls, order changes) plus a snapshot of the calls that are not over, and the browser
//! WebSocket (`ws`) that forwards them. A browser that lags behind gets a fresh snapshot instead
//! of being dropped (it may miss partial transcript lines; the whole lines are stored).

pub mod cluster;
pub mod ws;

use crate::db::repo;
use app::api::{CallView, Speaker, StatusEvent};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

/// Capacity of the broadcast channel; a receiver further behind gets `Lagged` and a snapshot.
const CAPACITY: usize = 1024;

/// Publishes call changes to every connected browser.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<StatusEvent>,
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
        Hub {
            sender,
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
        // An error only means that no browser is listening.
        let _ = self.sender.send(event);
    }

    /// A new subscription.
    pub fn subscribe(&self) -> broadcast::Receiver<StatusEvent> {
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
