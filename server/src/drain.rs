//! Graceful shutdown ("draining"). On SIGTERM an instance stops taking new work, lets the calls
//! whose audio bridge runs here finish up to the grace period (the `shutdown_grace_seconds`
//! setting), ends the rest politely, lets the SMS outbox finish the text it is posting, then
//! exits. While draining:
//! - `/api/v1/ready` answers 503, so the load balancer sends new requests elsewhere;
//! - placing a call answers 503 ([`app::api::ApiError::ShuttingDown`]);
//! - new `/api/v1/live` sockets are refused and open ones are closed (code 1012, "service
//!   restart"), so browsers reconnect to another instance;
//! - the outbox takes no new message.
//!
//! Twilio's webhooks and Media Streams keep being served: the calls running here need them.

use crate::calls::live::LiveBridges;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Whether this instance is draining; cheap to clone, shared by everything that must stop.
#[derive(Clone)]
pub struct Drain {
    state: Arc<watch::Sender<bool>>,
}

impl Default for Drain {
    fn default() -> Self {
        Drain {
            state: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Drain {
    /// Starts draining (idempotent).
    pub fn begin(&self) {
        self.state.send_replace(true);
    }

    /// Whether draining has begun.
    pub fn is_draining(&self) -> bool {
        *self.state.borrow()
    }

    /// Resolves once draining has begun.
    pub async fn begun(&self) {
        let mut receiver = self.state.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = receiver.wait_for(|draining| *draining).await;
    }
}

/// How long the bridges ended at the deadline get to play the apology and hang up.
const APOLOGY_WAIT: Duration = Duration::from_secs(10);

/// Waits until no bridge runs here or `grace` has passed; then ends the remaining ones (their
/// callers hear an apology) and waits a little for them to finish.
pub async fn wait_for_calls(live: &LiveBridges, grace: Duration) {
    let deadline = tokio::time::Instant::now() + grace;
    while !live.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if live.is_empty() {
        return;
    }
    let ended = live.end_all_for_shutdown();
    tracing::warn!(
        calls = ended,
        "shutdown: the grace period is over; ending the remaining calls"
    );
    let deadline = tokio::time::Instant::now() + APOLOGY_WAIT;
    while !live.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn begun_resolves_once_draining_starts() {
        let drain = Drain::default();
        assert!(!drain.is_draining());
        let waiter = tokio::spawn({
            let drain = drain.clone();
            async move { drain.begun().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drain.begin();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken")
            .expect("joined");
        assert!(drain.is_draining());
    }

    #[tokio::test(start_paused = true)]
    async fn calls_get_the_grace_period_then_are_ended() {
        let live = LiveBridges::default();
        let guard = live.register(1);
        let ending = tokio::spawn({
            let live = live.clone();
            async move { wait_for_calls(&live, Duration::from_secs(30)).await }
        });
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!live.is_shutting_down(), "not ended before the deadline");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(live.is_shutting_down(), "ended at the deadline");
        guard.ended().await;
        drop(guard);
        ending.await.expect("joined");
    }
}
