//! Supervision of the calls' background tasks (the status writer, the reconciler): a task that
//! panics is logged and started again, so one bug cannot silently stop statuses being recorded.

use std::future::Future;
use std::time::Duration;

/// Pause before a restart, so a task that panics at once cannot spin.
const RESTART_PAUSE: Duration = Duration::from_millis(100);

/// Runs the task `start` makes and starts a new one each time it panics. Returns when a task ends
/// normally (its work is over, e.g. its queue closed) or is cancelled (the runtime shuts down).
pub async fn supervise<S, F>(name: &'static str, mut start: S)
where
    S: FnMut() -> F,
    F: Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(start()).await {
            Ok(()) => return,
            Err(error) if error.is_panic() => {
                tracing::error!(task = name, "background task panicked; restarting it");
                tokio::time::sleep(RESTART_PAUSE).await;
            }
            Err(_) => return,
        }
    }
}
