//! The browser side of `/api/v1/live`: one WebSocket per tab that keeps a map of calls up to date
//! from [`StatusEvent`]s, reconnecting by itself with exponential backoff (0.5 s doubling to 30 s)
//! and receiving a fresh snapshot after each reconnect. Pages read [`LiveCalls`] from context.

use crate::api::{CallView, StatusEvent};
use leptos::prelude::*;
use std::collections::HashMap;

/// The live state of calls, shared by every page.
#[derive(Clone, Copy)]
pub struct LiveCalls {
    pub calls: RwSignal<HashMap<i64, CallView>>,
    pub connected: RwSignal<bool>,
    started: StoredValue<bool>,
    /// Reconnection attempts since the last successful open (read by the browser code only).
    #[cfg_attr(
        not(feature = "hydrate"),
        expect(dead_code, reason = "used by the hydrate build")
    )]
    attempts: StoredValue<u32>,
}

impl LiveCalls {
    /// An empty, unconnected state.
    pub fn new() -> Self {
        LiveCalls {
            calls: RwSignal::new(HashMap::new()),
            connected: RwSignal::new(false),
            started: StoredValue::new(false),
            attempts: StoredValue::new(0),
        }
    }

    /// Merges a call, keeping the newer version.
    pub fn merge(&self, call: CallView) {
        self.calls.update(|calls| {
            let newer = calls
                .get(&call.id)
                .is_none_or(|known| known.updated_at <= call.updated_at);
            if newer {
                calls.insert(call.id, call);
            }
        });
    }

    /// Applies one event from the server.
    pub fn apply(&self, event: StatusEvent) {
        match event {
            StatusEvent::Snapshot { calls } => calls.into_iter().for_each(|call| self.merge(call)),
            StatusEvent::CallChanged { call } => self.merge(call),
        }
    }

    /// Opens the socket once (browser only; nothing happens during server rendering).
    pub fn start(&self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        #[cfg(feature = "hydrate")]
        connect(*self);
    }
}

impl Default for LiveCalls {
    fn default() -> Self {
        Self::new()
    }
}

/// The newest first list of an order's calls: the loaded ones updated with live versions.
pub fn merged_calls(
    loaded: Vec<CallView>,
    live: &HashMap<i64, CallView>,
    order_id: i64,
) -> Vec<CallView> {
    let mut by_id: HashMap<i64, CallView> = loaded.into_iter().map(|c| (c.id, c)).collect();
    for call in live.values().filter(|c| c.order_id == order_id) {
        let newer = by_id
            .get(&call.id)
            .is_none_or(|known| known.updated_at <= call.updated_at);
        if newer {
            by_id.insert(call.id, call.clone());
        }
    }
    let mut calls: Vec<CallView> = by_id.into_values().collect();
    calls.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    calls
}

#[cfg(feature = "hydrate")]
fn connect(live: LiveCalls) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let location = window().location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    let host = location.host().unwrap_or_default();
    let Ok(socket) = web_sys::WebSocket::new(&format!("{scheme}://{host}/api/v1/live")) else {
        reconnect_later(live);
        return;
    };
    let on_open = Closure::<dyn FnMut()>::new(move || {
        live.attempts.set_value(0);
        live.connected.set(true);
    });
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            match serde_json::from_str::<StatusEvent>(&text) {
                Ok(event) => live.apply(event),
                Err(error) => leptos::logging::warn!("live: unreadable event skipped: {error}"),
            }
        });
    let on_close = Closure::<dyn FnMut()>::new(move || {
        live.connected.set(false);
        reconnect_later(live);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket owns these callbacks for its whole life.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}

#[cfg(feature = "hydrate")]
fn reconnect_later(live: LiveCalls) {
    let attempt = live.attempts.get_value();
    live.attempts.set_value(attempt.saturating_add(1));
    let delay = (500u64 << attempt.min(6)).min(30_000);
    set_timeout(
        move || connect(live),
        std::time::Duration::from_millis(delay),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{CallStatus, Provider, Recipient};
    use chrono::{Duration, Utc};

    fn call(id: i64, order_id: i64, status: CallStatus, age_seconds: i64) -> CallView {
        let at = Utc::now() - Duration::seconds(age_seconds);
        CallView {
            id,
            order_id,
            created_at: at,
            updated_at: at,
            placed_by: "Sam".into(),
            recipient: Recipient::Customer,
            to_number: "+33612345678".into(),
            provider: Provider::Openai,
            status,
            duration_seconds: None,
            answered_by: None,
            failure_reason: None,
        }
    }

    #[test]
    fn live_versions_replace_older_loaded_ones_for_the_same_order_only() {
        let loaded = vec![
            call(1, 7, CallStatus::Queued, 10),
            call(2, 7, CallStatus::Completed, 100),
        ];
        let mut live = HashMap::new();
        live.insert(1, call(1, 7, CallStatus::Ringing, 0));
        live.insert(3, call(3, 8, CallStatus::Ringing, 0));
        let merged = merged_calls(loaded, &live, 7);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].status, CallStatus::Ringing);
        assert_eq!(merged[1].id, 2);
    }
}
