//! Several instances on one PostgreSQL database: what one instance raises reaches the others
//! through PostgreSQL's own `LISTEN/NOTIFY`, on the channel [`CHANNEL`].
//!
//! - A live event (a call status, a transcript line, a text's status or a reply) goes to this
//!   instance's browsers at once, and to the other instances as a `NOTIFY`; each forwards it to
//!   its own browsers. A payload over PostgreSQL's limit (8,000 bytes) is stored in
//!   `cluster_events` and notified by id.
//! - "Hang up" on one instance ends the audio bridge wherever it runs ([`ClusterMessage::EndBridge`]).
//! - A settings change is re-read by every instance before its next call.
//!
//! When the listening connection drops, it is opened again and every browser gets a fresh
//! snapshot, and the settings are re-read, so nothing shown is stale. On SQLite (one process)
//! the [`Relay`] does nothing: the in-process broadcast is the whole story.

use super::Hub;
use crate::calls::live::LiveBridges;
use crate::settings::SettingsService;
use app::api::StatusEvent;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The `NOTIFY` channel every instance listens on.
pub const CHANNEL: &str = "orderline_cluster";
/// PostgreSQL refuses a `NOTIFY` payload of 8,000 bytes or more; larger ones go by id.
pub const MAX_NOTIFY_PAYLOAD: usize = 7_999;
/// How long a stored large event is kept for the other instances to read.
const STORED_EVENT_TTL_SECONDS: i64 = 60;

/// What one instance tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClusterMessage {
    /// A live event for every browser.
    Event { event: StatusEvent },
    /// Staff pressed Hang up: the instance running this call's bridge ends it.
    EndBridge { call_id: i32 },
    /// A setting was saved: read the settings again.
    SettingsChanged,
    /// Sessions ended: their live sockets close.
    SessionsEnded { end: super::SessionEnd },
}

/// The `NOTIFY` payload: the sender (an instance ignores its own), and the message itself or the
/// id of the `cluster_events` row holding it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<ClusterMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stored: Option<i64>,
}

/// Sends [`ClusterMessage`]s to the other instances (a no-op without PostgreSQL).
#[derive(Clone, Default)]
pub struct Relay {
    outbox: Option<mpsc::UnboundedSender<ClusterMessage>>,
}

/// The receiving end of a [`Relay`], handed to [`start`].
pub struct Outbox(mpsc::UnboundedReceiver<ClusterMessage>);

impl Relay {
    /// A relay for `db`: live on PostgreSQL (the returned [`Outbox`] must be given to [`start`]),
    /// a no-op on SQLite.
    pub fn for_database(db: &DatabaseConnection) -> (Relay, Option<Outbox>) {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return (Relay::default(), None);
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            Relay {
                outbox: Some(sender),
            },
            Some(Outbox(receiver)),
        )
    }

    /// Queues `message` for the other instances (in order; never blocks).
    pub fn publish(&self, message: ClusterMessage) {
        if let Some(outbox) = &self.outbox {
            // An error only means the notifier stopped (the process is ending).
            let _ = outbox.send(message);
        }
    }

    /// Whether messages go anywhere (several instances may share the database).
    pub fn is_active(&self) -> bool {
        self.outbox.is_some()
    }
}

/// What a message from another instance acts on.
#[derive(Clone)]
pub struct Handlers {
    pub hub: Hub,
    pub live: LiveBridges,
    pub settings: SettingsService,
}

impl Handlers {
    async fn handle(&self, message: ClusterMessage) {
        match message {
            ClusterMessage::Event { event } => self.hub.deliver_local(event),
            ClusterMessage::EndBridge { call_id } => {
                if self.live.end(call_id) {
                    tracing::info!(
                        call_id,
                        "hang-up from another instance: the bridge is ending"
                    );
                }
            }
            ClusterMessage::SettingsChanged => self.reload_settings().await,
            ClusterMessage::SessionsEnded { end } => self.hub.deliver_session_end(end),
        }
    }

    /// After the listening connection was (re)opened: what was missed is read again.
    async fn resync(&self) {
        self.reload_settings().await;
        match self.hub.snapshot().await {
            Ok(snapshot) => self.hub.deliver_local(snapshot),
            Err(error) => tracing::warn!(%error, "cluster: no snapshot after reconnecting"),
        }
    }

    async fn reload_settings(&self) {
        if let Err(error) = self.settings.refresh().await {
            tracing::warn!(%error, "cluster: cannot read the settings again");
        }
    }
}

/// Starts the notifier (this instance's messages, in order) and the listener (the others'), on
/// the PostgreSQL pool of `db`. `instance` is this process's id.
pub fn start(db: &DatabaseConnection, outbox: Outbox, instance: &str, handlers: Handlers) {
    let pool = db.get_postgres_connection_pool().clone();
    let instance: Arc<str> = Arc::from(instance);
    tokio::spawn(notify_loop(pool.clone(), instance.clone(), outbox));
    tokio::spawn(listen_loop(pool, instance, handlers));
}

async fn notify_loop(pool: PgPool, instance: Arc<str>, Outbox(mut outbox): Outbox) {
    while let Some(message) = outbox.recv().await {
        if let Err(error) = notify(&pool, &instance, message).await {
            tracing::warn!(%error, "cluster: a message could not be sent to the other instances");
        }
    }
}

/// Sends one message: inline when it fits, else stored and sent by id.
async fn notify(pool: &PgPool, instance: &str, message: ClusterMessage) -> anyhow::Result<()> {
    let inline = serde_json::to_string(&Envelope {
        from: instance.to_owned(),
        message: Some(message),
        stored: None,
    })?;
    let payload = if inline.len() <= MAX_NOTIFY_PAYLOAD {
        inline
    } else {
        let id: i32 = sqlx::query_scalar(
            "INSERT INTO cluster_events (payload, created_at) VALUES ($1, now()) RETURNING id",
        )
        .bind(&inline)
        .fetch_one(pool)
        .await?;
        sqlx::query(
            "DELETE FROM cluster_events WHERE created_at < now() - make_interval(secs => $1)",
        )
        .bind(STORED_EVENT_TTL_SECONDS as f64)
        .execute(pool)
        .await?;
        serde_json::to_string(&Envelope {
            from: instance.to_owned(),
            message: None,
            stored: Some(i64::from(id)),
        })?
    };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(&payload)
        .execute(pool)
        .await?;
    Ok(())
}

async fn listen_loop(pool: PgPool, instance: Arc<str>, handlers: Handlers) {
    let mut first = true;
    loop {
        let mut listener = match open_listener(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cluster: cannot listen for the other instances; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if !first {
            tracing::info!("cluster: listening again");
            handlers.resync().await;
        }
        first = false;
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    receive(&pool, &instance, &handlers, notification.payload()).await;
                }
                // The connection dropped: notifications may have been lost. Listen on a new
                // one, then resynchronize (in that order, so nothing falls in between).
                Ok(None) => {
                    tracing::warn!("cluster: the listening connection dropped; listening again");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "cluster: listening failed; reconnecting");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    break;
                }
            }
        }
    }
}

async fn open_listener(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Handles one notification; a malformed one is logged and skipped.
async fn receive(pool: &PgPool, instance: &str, handlers: &Handlers, payload: &str) {
    let envelope: Envelope = match serde_json::from_str(payload) {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::warn!(%error, "cluster: skipping a malformed notification");
            return;
        }
    };
    if envelope.from == instance {
        return;
    }
    let message = match (envelope.message, envelope.stored) {
        (Some(message), _) => message,
        (None, Some(id)) => match load_stored(pool, id).await {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(id, %error, "cluster: a stored event could not be read");
                return;
            }
        },
        (None, None) => {
            tracing::warn!("cluster: skipping an empty notification");
            return;
        }
    };
    handlers.handle(message).await;
}

async fn load_stored(pool: &PgPool, id: i64) -> anyhow::Result<ClusterMessage> {
    let id = i32::try_from(id)?;
    let payload: String = sqlx::query_scalar("SELECT payload FROM cluster_events WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    let envelope: Envelope = serde_json::from_str(&payload)?;
    envelope
        .message
        .ok_or_else(|| anyhow::anyhow!("stored event {id} holds no message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_round_trips_with_the_message_or_its_id() {
        let inline = Envelope {
            from: "a".into(),
            message: Some(ClusterMessage::EndBridge { call_id: 7 }),
            stored: None,
        };
        let text = serde_json::to_string(&inline).unwrap();
        assert_eq!(
            text,
            r#"{"from":"a","message":{"kind":"end_bridge","call_id":7}}"#
        );
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back.message, Some(ClusterMessage::EndBridge { call_id: 7 }));
        let stored: Envelope = serde_json::from_str(r#"{"from":"b","stored":12}"#).unwrap();
        assert_eq!((stored.message, stored.stored), (None, Some(12)));
    }

    #[test]
    fn events_travel_as_the_browser_s_json() {
        let message = ClusterMessage::Event {
            event: StatusEvent::OrderChanged { order_id: 3 },
        };
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"event","event":{"type":"order_changed","order_id":3}}"#
        );
        assert_eq!(
            serde_json::from_str::<ClusterMessage>(&text).unwrap(),
            message
        );
    }
}
