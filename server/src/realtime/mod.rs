//! The live status hub: a broadcast channel of [`StatusEvent`]s plus a snapshot of the calls that
//! are not over, and the browser WebSocket (`ws`) that forwards them. A browser that lags behind
//! gets a fresh snapshot instead of being dropped.

pub mod ws;

use crate::db::repo;
use app::api::{CallView, StatusEvent};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

/// Capacity of the broadcast channel; a receiver further behind gets `Lagged` and a snapshot.
const CAPACITY: usize = 1024;

/// Publishes call changes to every connected browser.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<StatusEvent>,
    db: DatabaseConnection,
}

impl Hub {
    /// A hub reading snapshots from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Hub { sender, db }
    }

    /// Sends a changed call to every subscriber (none listening is fine).
    pub fn publish(&self, call: CallView) {
        let _ = self.sender.send(StatusEvent::CallChanged { call });
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
