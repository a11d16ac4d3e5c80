//! The browser side of `/api/v1/live`: one WebSocket per tab that keeps a map of calls up to date
//! from [`StatusEvent`]s, reconnecting by itself with exponential backoff (0.5 s doubling to 30 s)
//! and receiving a fresh snapshot after each reconnect. Pages read [`LiveCalls`] from context.
//!
//! Transcripts: the line each speaker is saying now is kept here ([`LiveLine`]); whole lines and
//! tool calls are stored by the server, so they only bump a per-order counter that tells the
//! order page to reload its journals (the stored journal stays the one source of what was said,
//! whatever the socket missed while reconnecting). Order changes bump another counter.

use crate::api::{CallView, SmsMessageView, Speaker, StatusEvent};
use leptos::prelude::*;
use std::collections::HashMap;

/// The live state of calls, shared by every page.
#[derive(Clone, Copy)]
pub struct LiveCalls {
    pub calls: RwSignal<HashMap<i64, CallView>>,
    pub connected: RwSignal<bool>,
    /// The line being said on each running call, by call and speaker.
    pub lines: RwSignal<HashMap<(i64, Speaker), LiveLine>>,
    /// Per order: how many whole lines and tool calls arrived (the journals are stale when it moves).
    pub journal_changes: RwSignal<HashMap<i64, u64>>,
    /// Per order: how many times a call changed it (the order is stale when it moves).
    pub order_changes: RwSignal<HashMap<i64, u64>>,
    /// Texts as last reported, by id (newer than what a page loaded).
    pub sms: RwSignal<HashMap<i64, SmsMessageView>>,
    /// Per order: how many replies arrived (its page reloads its texts when it moves).
    pub reply_changes: RwSignal<HashMap<i64, u64>>,
    /// Replies received since the page loaded (the header adds them to its unread count).
    pub replies_received: RwSignal<u64>,
    /// Snapshots received after the first: each means the socket (or the server's link to the
    /// other instances) was lost for a while, so everything loaded may be stale.
    pub resyncs: RwSignal<u64>,
    snapshots: StoredValue<u64>,
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
            lines: RwSignal::new(HashMap::new()),
            journal_changes: RwSignal::new(HashMap::new()),
            order_changes: RwSignal::new(HashMap::new()),
            sms: RwSignal::new(HashMap::new()),
            reply_changes: RwSignal::new(HashMap::new()),
            replies_received: RwSignal::new(0),
            resyncs: RwSignal::new(0),
            snapshots: StoredValue::new(0),
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

    /// Merges a text, keeping the newer version (a send's answer can arrive after the live
    /// event of the status that followed it).
    pub fn merge_sms(&self, message: SmsMessageView) {
        self.sms.update(|sms| {
            let newer = sms
                .get(&message.id)
                .is_none_or(|known| known.updated_at <= message.updated_at);
            if newer {
                sms.insert(message.id, message);
            }
        });
    }

    /// Applies one event from the server.
    pub fn apply(&self, event: StatusEvent) {
        match event {
            StatusEvent::Snapshot { calls } => {
                calls.into_iter().for_each(|call| self.merge(call));
                let seen = self.snapshots.get_value();
                self.snapshots.set_value(seen + 1);
                if seen > 0 {
                    self.resyncs.update(|n| *n += 1);
                }
            }
            StatusEvent::CallChanged { call } => self.merge(call),
            StatusEvent::Transcript {
                call_id,
                order_id,
                speaker,
                text,
                done,
            } => {
                let line = LiveLine {
                    order_id,
                    text,
                    done,
                };
                self.lines.update(|lines| {
                    lines.insert((call_id, speaker), line);
                });
                if done {
                    bump(self.journal_changes, order_id);
                }
            }
            StatusEvent::ToolCalled { order_id, .. } => bump(self.journal_changes, order_id),
            StatusEvent::OrderChanged { order_id } => bump(self.order_changes, order_id),
            StatusEvent::SmsChanged { message } => self.merge_sms(message),
            StatusEvent::SmsReceived { reply } => {
                if let Some(order_id) = reply.order_id {
                    bump(self.reply_changes, order_id);
                }
                self.replies_received.update(|n| *n += 1);
            }
        }
    }

    /// Forgets the whole lines of an order's calls that `stored` (journals reloaded after they
    /// arrived) now holds; lines still being said stay.
    pub fn forget_stored_lines(&self, stored: &[(i64, Speaker, String)]) {
        self.lines.update(|lines| {
            lines.retain(|(call_id, speaker), line| {
                !(line.done
                    && stored
                        .iter()
                        .any(|(c, s, t)| c == call_id && s == speaker && *t == line.text))
            });
        });
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

/// What a speaker is saying on a running call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLine {
    pub order_id: i64,
    /// The line so far, or the whole line once `done` (kept until the reloaded journal shows it,
    /// so the line never blinks out between the two).
    pub text: String,
    pub done: bool,
}

/// Calls `reload` each time `counters` moves for `order_id`, and after each resync (a fresh
/// snapshot after a lost connection: events may have been missed), in the browser only (effects
/// do not run while the server renders) and not at first (the page has just loaded fresh data).
pub fn reload_on_change(
    live: LiveCalls,
    counters: RwSignal<HashMap<i64, u64>>,
    order_id: i64,
    reload: impl Fn() + 'static,
) {
    let version = Memo::new(move |_| {
        let changes = counters.with(|c| c.get(&order_id).copied().unwrap_or(0));
        (changes, live.resyncs.get())
    });
    Effect::new(move |previous: Option<(u64, u64)>| {
        let current = version.get();
        if previous.is_some_and(|previous| previous != current) {
            reload();
        }
        current
    });
}

fn bump(counters: RwSignal<HashMap<i64, u64>>, order_id: i64) {
    counters.update(|counters| *counters.entry(order_id).or_default() += 1);
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

    let Ok(socket) = web_sys::WebSocket::new(&socket_url("/api/v1/live")) else {
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

/// The WebSocket URL of `path` on this page's server (`wss:` under `https:`).
#[cfg(feature = "hydrate")]
pub fn socket_url(path: &str) -> String {
    let location = window().location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}{path}")
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
            sandbox: false,
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

    fn transcript(text: &str, done: bool) -> StatusEvent {
        StatusEvent::Transcript {
            call_id: 1,
            order_id: 7,
            speaker: Speaker::Caller,
            text: text.into(),
            done,
        }
    }

    #[test]
    fn a_partial_line_is_replaced_in_place_and_a_whole_line_marks_the_journal_stale() {
        let owner = Owner::new();
        owner.set();
        let live = LiveCalls::new();
        live.apply(transcript("Hel", false));
        live.apply(transcript("Hello the", false));
        let line = |live: &LiveCalls| live.lines.with(|l| l.get(&(1, Speaker::Caller)).cloned());
        assert_eq!(line(&live).map(|l| l.text), Some("Hello the".into()));
        assert_eq!(live.journal_changes.with(|c| c.get(&7).copied()), None);
        live.apply(transcript("Hello there.", true));
        assert_eq!(line(&live).map(|l| l.done), Some(true));
        assert_eq!(live.journal_changes.with(|c| c.get(&7).copied()), Some(1));
        live.forget_stored_lines(&[(1, Speaker::Caller, "Hello there.".into())]);
        assert_eq!(line(&live), None);
        live.apply(StatusEvent::OrderChanged { order_id: 7 });
        assert_eq!(live.order_changes.with(|c| c.get(&7).copied()), Some(1));
    }
}
