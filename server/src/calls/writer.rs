//! The status writer: one task that applies status callbacks in small batches, each batch in one
//! transaction (group commit). It is the single writer for call statuses, so read-decide-write
//! never interleaves for a call, SQLite never sees competing writers, and the cost of a commit is
//! shared by every callback that arrived meanwhile.

use super::status::{decide, Decision};
use crate::db::entities::calls;
use crate::db::repo;
use crate::realtime::Hub;
use app::api::CallStatus;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

/// Most callbacks applied in one transaction.
const MAX_BATCH: usize = 128;

/// One parsed status callback, or a status read from Twilio's call record.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub order_id: i32,
    /// Our call id, from the `call` query parameter of the callback URL: it finds the call even
    /// before its SID is stored. None on URLs issued before they carried it.
    pub call_id: Option<i32>,
    /// Twilio's Call SID; None only when the reconciler fails a call that never got one.
    pub call_sid: Option<String>,
    pub status: CallStatus,
    /// The callback's `SequenceNumber`; None for a status read from Twilio's call record.
    pub sequence: Option<i32>,
    pub at: DateTime<Utc>,
    pub details: repo::calls::StatusDetails,
}

/// What became of a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Late, repeated or backwards: nothing changed.
    Ignored(Decision),
    /// No such call on this order (or the SID is not the call's).
    UnknownCall,
}

struct Job {
    update: StatusUpdate,
    reply: oneshot::Sender<Result<Outcome, String>>,
}

/// A handle to the writer task.
#[derive(Clone)]
pub struct StatusWriter {
    jobs: mpsc::Sender<Job>,
}

impl StatusWriter {
    /// Starts the writer task.
    pub fn spawn(db: DatabaseConnection, hub: Hub) -> Self {
        let (jobs, receiver) = mpsc::channel(4096);
        tokio::spawn(run(db, hub, receiver));
        StatusWriter { jobs }
    }

    /// Applies one callback and waits for the outcome.
    pub async fn apply(&self, update: StatusUpdate) -> Result<Outcome, String> {
        let (reply, outcome) = oneshot::channel();
        self.jobs
            .send(Job { update, reply })
            .await
            .map_err(|_| "the status writer stopped".to_owned())?;
        outcome
            .await
            .map_err(|_| "the status writer dropped the update".to_owned())?
    }
}

async fn run(db: DatabaseConnection, hub: Hub, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let updates: Vec<&StatusUpdate> = batch.iter().map(|job| &job.update).collect();
        match apply_batch(&db, &updates).await {
            Ok(results) => {
                for (job, (outcome, changed)) in batch.into_iter().zip(results) {
                    if let Some(call) = changed {
                        hub.publish(call.into());
                    }
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                tracing::error!(%error, size = batch.len(), "status batch not recorded");
                for job in batch {
                    let _ = job.reply.send(Err(error.to_string()));
                }
            }
        }
    }
}

type Applied = (Outcome, Option<calls::Model>);

async fn apply_batch(
    db: &DatabaseConnection,
    updates: &[&StatusUpdate],
) -> Result<Vec<Applied>, DbErr> {
    let txn = db.begin().await?;
    let mut results = Vec::with_capacity(updates.len());
    for update in updates {
        let Some(call) = repo::calls::find_for_callback(
            &txn,
            update.order_id,
            update.call_id,
            update.call_sid.as_deref(),
        )
        .await?
        else {
            results.push((Outcome::UnknownCall, None));
            continue;
        };
        let current: CallStatus = call.status.parse().unwrap_or(CallStatus::Queued);
        match decide(current, call.last_sequence, update.status, update.sequence) {
            Decision::Apply => {
                let call = repo::calls::apply_status(
                    &txn,
                    call,
                    update.status,
                    update.sequence,
                    update.at,
                    update.details.clone(),
                )
                .await?;
                results.push((Outcome::Applied, Some(call)));
            }
            decision => results.push((Outcome::Ignored(decision), None)),
        }
    }
    txn.commit().await?;
    Ok(results)
}
