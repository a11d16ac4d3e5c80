//! The status writer: one task that applies status updates (Twilio's callbacks, and the statuses
//! the reconciler reads from Twilio) in small batches, each batch in one transaction (group
//! commit). It is the single writer for call statuses, so read-decide-write never interleaves for
//! a call, SQLite never sees competing writers, and the cost of a commit is shared by every
//! update that arrived meanwhile.
//!
//! A batch that fails as a whole (one bad item, e.g. a SID that already belongs to another call,
//! fails the transaction) is applied again item by item, each in its own transaction, so only the
//! bad item's update fails. The task is supervised: if it panics, a new one takes over the same
//! queue (the updates of the batch in hand get an error; the reconciler settles their calls).

use super::status::{decide, Decision};
use super::supervisor::supervise;
use crate::db::entities::calls;
use crate::db::repo;
use crate::realtime::Hub;
use app::api::CallStatus;
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait,
};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Most updates applied in one transaction.
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

/// What became of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Late, repeated or backwards: nothing changed.
    Ignored(Decision),
    /// No such call on this order (or the SID is not the call's).
    UnknownCall,
}

/// An update's outcome, or why it could not be recorded.
pub type Reply = Result<Outcome, String>;

struct Job {
    update: StatusUpdate,
    reply: oneshot::Sender<Reply>,
}

/// A handle to the writer task.
#[derive(Clone)]
pub struct StatusWriter {
    jobs: mpsc::Sender<Job>,
}

impl StatusWriter {
    /// Starts the supervised writer task.
    pub fn spawn(db: DatabaseConnection, hub: Hub) -> Self {
        Self::spawn_with(move |updates| {
            let (db, hub) = (db.clone(), hub.clone());
            async move { record(&db, &hub, &updates).await }
        })
    }

    /// Starts a supervised task that hands each batch to `handle`, which answers one reply per
    /// update, in order.
    fn spawn_with<H, F>(handle: H) -> Self
    where
        H: Fn(Vec<StatusUpdate>) -> F + Send + Sync + 'static,
        F: Future<Output = Vec<Reply>> + Send + 'static,
    {
        let (jobs, receiver) = mpsc::channel(4096);
        // Shared so that a restarted task takes over the queue of the one that died.
        let receiver = Arc::new(Mutex::new(receiver));
        let handle = Arc::new(handle);
        tokio::spawn(supervise("status writer", move || {
            work(receiver.clone(), handle.clone())
        }));
        StatusWriter { jobs }
    }

    /// Applies one update and waits for the outcome.
    pub async fn apply(&self, update: StatusUpdate) -> Reply {
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

/// Takes batches off the queue until every handle is gone.
async fn work<H, F>(receiver: Arc<Mutex<mpsc::Receiver<Job>>>, handle: Arc<H>)
where
    H: Fn(Vec<StatusUpdate>) -> F,
    F: Future<Output = Vec<Reply>>,
{
    let mut receiver = receiver.lock().await;
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (updates, replies): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|job| (job.update, job.reply)).unzip();
        let results = handle(updates).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

type Applied = (Outcome, Option<calls::Model>);

/// Applies `updates` in one transaction and publishes what changed; if that transaction fails,
/// applies each update alone, so a bad one fails only itself. One reply per update, in order.
pub async fn record(db: &DatabaseConnection, hub: &Hub, updates: &[StatusUpdate]) -> Vec<Reply> {
    let results: Vec<Result<Applied, DbErr>> = match apply_batch(db, updates).await {
        Ok(applied) => applied.into_iter().map(Ok).collect(),
        Err(error) if updates.len() == 1 => vec![Err(error)],
        Err(error) => {
            tracing::warn!(%error, size = updates.len(), "status batch failed; applying its updates one by one");
            let mut results = Vec::with_capacity(updates.len());
            for update in updates {
                results.push(apply_one(db, update).await);
            }
            results
        }
    };
    results
        .into_iter()
        .map(|result| match result {
            Ok((outcome, changed)) => {
                if let Some(call) = changed {
                    crate::metrics::call_status(&call.status);
                    hub.publish(call.into());
                }
                Ok(outcome)
            }
            Err(error) => {
                tracing::error!(%error, "status update not recorded");
                Err(error.to_string())
            }
        })
        .collect()
}

/// A transaction that holds SQLite's write lock from its start. A plain (deferred) SQLite
/// transaction that reads first and writes later fails at once with "database is locked" when
/// another connection wrote in between (its read snapshot is stale, so waiting cannot help): a
/// status callback racing the placement's own write (the sandbox answers in milliseconds) lost
/// its status that way. Taking the lock first lets SQLite's busy timeout wait for the other
/// writer instead. PostgreSQL needs nothing: its row locks wait by themselves.
async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Sqlite {
        // A write that changes nothing still takes the write lock, waiting its turn.
        txn.execute_unprepared("UPDATE calls SET id = id WHERE 0")
            .await?;
    }
    Ok(txn)
}

async fn apply_batch(
    db: &DatabaseConnection,
    updates: &[StatusUpdate],
) -> Result<Vec<Applied>, DbErr> {
    let txn = begin_writing(db).await?;
    let mut results = Vec::with_capacity(updates.len());
    for update in updates {
        results.push(apply_update(&txn, update).await?);
    }
    txn.commit().await?;
    Ok(results)
}

async fn apply_one(db: &DatabaseConnection, update: &StatusUpdate) -> Result<Applied, DbErr> {
    let txn = begin_writing(db).await?;
    let applied = apply_update(&txn, update).await?;
    txn.commit().await?;
    Ok(applied)
}

async fn apply_update(db: &impl ConnectionTrait, update: &StatusUpdate) -> Result<Applied, DbErr> {
    let found = repo::calls::find_for_callback(
        db,
        update.order_id,
        update.call_id,
        update.call_sid.as_deref(),
    );
    let Some(call) = found.await? else {
        return Ok((Outcome::UnknownCall, None));
    };
    let current: CallStatus = call.status.parse().unwrap_or(CallStatus::Queued);
    match decide(current, call.last_sequence, update.status, update.sequence) {
        Decision::Apply => {
            let call = repo::calls::apply_status(
                db,
                call,
                update.status,
                update.sequence,
                update.at,
                update.details.clone(),
            )
            .await?;
            Ok((Outcome::Applied, Some(call)))
        }
        decision => Ok((Outcome::Ignored(decision), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(sequence: i32) -> StatusUpdate {
        StatusUpdate {
            order_id: 1,
            call_id: Some(1),
            call_sid: Some("CA1".into()),
            status: CallStatus::Ringing,
            sequence: Some(sequence),
            at: Utc::now(),
            details: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_writer_that_panics_is_restarted_on_the_same_queue() {
        // Arrange: a handler that panics on sequence 666.
        let writer = StatusWriter::spawn_with(|updates: Vec<StatusUpdate>| async move {
            if updates.iter().any(|u| u.sequence == Some(666)) {
                panic!("a bug in the writer");
            }
            updates.iter().map(|_| Ok(Outcome::Applied)).collect()
        });

        // Act
        let lost = writer.apply(update(666)).await;
        let next = writer.apply(update(1)).await;

        // Assert
        assert_eq!(lost, Err("the status writer dropped the update".to_owned()));
        assert_eq!(next, Ok(Outcome::Applied));
    }
}
