//! [`LiveBridges`]: the calls whose audio bridge runs in this process, so that "Hang up" on the
//! order page ends the bridge at once (the REST hang-up ends the phone call; Twilio's `stop`
//! would follow, but only after its own delay, while the agent keeps talking into a dead line).
//! Several instances on one database (issue 13) will carry the same signal through it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

/// The registry, shared by the Media Streams handler and the calls service.
#[derive(Clone, Default)]
pub struct LiveBridges {
    calls: Arc<Mutex<HashMap<i32, Arc<Notify>>>>,
    /// Set when the server ended the bridges because it is shutting down (not staff).
    shutting_down: Arc<AtomicBool>,
}

impl LiveBridges {
    /// Registers the bridge of `call_id`; it is unregistered when the guard drops.
    pub fn register(&self, call_id: i32) -> BridgeGuard {
        let signal = Arc::new(Notify::new());
        self.lock().insert(call_id, signal.clone());
        BridgeGuard {
            registry: self.clone(),
            call_id,
            signal,
        }
    }

    /// Asks the bridge of `call_id` to end; false when none runs here.
    pub fn end(&self, call_id: i32) -> bool {
        match self.lock().get(&call_id) {
            Some(signal) => {
                // `notify_one` stores a permit: a bridge not yet waiting still sees it.
                signal.notify_one();
                true
            }
            None => false,
        }
    }

    /// Ends every bridge running here because the server is shutting down; how many there were.
    pub fn end_all_for_shutdown(&self) -> usize {
        self.shutting_down.store(true, Ordering::SeqCst);
        let calls = self.lock();
        for signal in calls.values() {
            signal.notify_one();
        }
        calls.len()
    }

    /// Whether the bridges were ended by a shutdown (their callers hear an apology).
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// How many bridges run here.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none runs here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Arc<Notify>>> {
        // The map stays consistent whatever panicked while holding it.
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A registered bridge: [`ended`](Self::ended) resolves when staff hang up.
pub struct BridgeGuard {
    registry: LiveBridges,
    call_id: i32,
    signal: Arc<Notify>,
}

impl BridgeGuard {
    /// Resolves once [`LiveBridges::end`] was called for this call.
    pub async fn ended(&self) {
        self.signal.notified().await;
    }
}

impl Drop for BridgeGuard {
    fn drop(&mut self) {
        let mut calls = self.registry.lock();
        // A newer registration of the same call (a reconnected stream) stays.
        if calls
            .get(&self.call_id)
            .is_some_and(|s| Arc::ptr_eq(s, &self.signal))
        {
            calls.remove(&self.call_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn ending_a_registered_call_wakes_its_bridge_and_the_guard_unregisters() {
        let live = LiveBridges::default();
        assert!(!live.end(7), "nothing runs yet");
        let guard = live.register(7);
        assert_eq!(live.len(), 1);
        assert!(live.end(7));
        tokio::time::timeout(Duration::from_secs(1), guard.ended())
            .await
            .expect("the signal sent before waiting is kept");
        drop(guard);
        assert!(live.is_empty());
        assert!(!live.end(7));
    }
}
