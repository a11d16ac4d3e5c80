//! The emulated Twilio resources, in memory: Calls and Messages of the sandbox account, the
//! numbers that opted out (STOP), and a broadcast of [`PhoneEvent`]s for the softphone page.
//! One [`SandboxStore`] per server, cheap to clone. It holds state and renders Twilio's JSON; it
//! does no IO and runs no timers: the call engine and `messages` drive the lifecycles through
//! the methods here. Each list keeps the newest [`KEPT_PER_LIST`] resources.

mod call;
mod message;

pub use call::{Call, CallInstructions, CallParams, CallStatus, CallbackEvent, MachineDetection};
pub use message::{Message, MessageDirection, MessageStatus, MessageView, PhoneDirection};

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// How many calls, and how many messages, are kept (the oldest go first).
pub const KEPT_PER_LIST: usize = 10_000;

/// Phone events buffered for slow subscribers before they lag.
const EVENT_BUFFER: usize = 256;

/// Something a phone of the sandbox sees: the softphone page shows these live. The call engine
/// adds its call events here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneEvent {
    /// A text reached the phone `number` (it was delivered).
    MessageToPhone {
        number: String,
        message: MessageView,
    },
    /// The phone `number` texted the sandbox's number.
    MessageFromPhone {
        number: String,
        message: MessageView,
    },
    /// A message to or from `number` changed status.
    MessageStatus {
        number: String,
        sid: String,
        status: MessageStatus,
        error_code: Option<u32>,
    },
}

/// The emulated resources of one account.
#[derive(Clone)]
pub struct SandboxStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SandboxStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxStore")
            .field("account_sid", &self.inner.account_sid)
            .finish_non_exhaustive()
    }
}

struct Inner {
    account_sid: String,
    /// Oldest first.
    calls: Mutex<VecDeque<Call>>,
    /// Oldest first.
    messages: Mutex<VecDeque<Message>>,
    /// Numbers that replied STOP (Twilio then refuses texts to them with 21610).
    opted_out: Mutex<HashSet<String>>,
    events: broadcast::Sender<PhoneEvent>,
}

/// Locks, taking the data even if a panicking thread poisoned the lock (every write here
/// leaves the data consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// RFC 2822 as Twilio writes it: `Tue, 31 Aug 2010 20:36:28 +0000`.
pub fn rfc2822(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// [`rfc2822`] or JSON null.
pub fn rfc2822_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(rfc2822)
}

/// A number as Twilio's `*_formatted` fields show it: `(201) 555-0142` for +1, else unchanged.
pub fn format_number(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(d) if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..])
        }
        _ => number.to_owned(),
    }
}

/// A new SID: `prefix` (`CA`, `SM`, ...) and 32 hex digits.
pub fn new_sid(prefix: &str) -> String {
    format!("{prefix}{}", super::credentials::random_hex(32))
}

/// Pushes `item`, dropping the oldest past [`KEPT_PER_LIST`].
fn push_capped<T>(list: &mut VecDeque<T>, item: T) {
    if list.len() >= KEPT_PER_LIST {
        list.pop_front();
    }
    list.push_back(item);
}

impl SandboxStore {
    /// An empty store for the account `account_sid`.
    pub fn new(account_sid: &str) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        SandboxStore {
            inner: Arc::new(Inner {
                account_sid: account_sid.to_owned(),
                calls: Mutex::default(),
                messages: Mutex::default(),
                opted_out: Mutex::default(),
                events,
            }),
        }
    }

    /// The account the resources belong to.
    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    /// Live phone events (each subscriber gets every event from now on).
    pub fn subscribe(&self) -> broadcast::Receiver<PhoneEvent> {
        self.inner.events.subscribe()
    }

    /// Publishes `event` to the subscribers, if any.
    pub fn publish(&self, event: PhoneEvent) {
        // No subscriber is not an error: nobody has the softphone open.
        let _ = self.inner.events.send(event);
    }

    /// Stores a new `queued` call and returns it (the caller then starts the call engine).
    pub fn create_call(&self, to: &str, from: &str, params: CallParams) -> Call {
        let now = Utc::now();
        let call = Call {
            sid: new_sid("CA"),
            account_sid: self.inner.account_sid.clone(),
            to: to.to_owned(),
            from: from.to_owned(),
            status: CallStatus::Queued,
            answered_by: None,
            date_created: now,
            date_updated: now,
            start_time: None,
            answered_at: None,
            end_time: None,
            params,
        };
        push_capped(&mut lock(&self.inner.calls), call.clone());
        call
    }

    /// The call `sid`, if known.
    pub fn call(&self, sid: &str) -> Option<Call> {
        lock(&self.inner.calls)
            .iter()
            .find(|c| c.sid == sid)
            .cloned()
    }

    /// Every call, newest first (Twilio's list order).
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.inner.calls).iter().rev().cloned().collect()
    }

    /// Changes the call `sid` with `change` (which may edit anything, e.g. `answered_by` or a
    /// redirect's params), stamps `date_updated`, and returns it; None for an unknown call.
    pub fn update_call(&self, sid: &str, change: impl FnOnce(&mut Call)) -> Option<Call> {
        let mut calls = lock(&self.inner.calls);
        let call = calls.iter_mut().find(|c| c.sid == sid)?;
        change(call);
        call.date_updated = Utc::now();
        Some(call.clone())
    }

    /// Moves the call `sid` to `status` now (see [`Call::transition`]): `Some((call, changed))`,
    /// `changed` false when the call had already ended; None for an unknown call.
    pub fn set_call_status(&self, sid: &str, status: CallStatus) -> Option<(Call, bool)> {
        let mut calls = lock(&self.inner.calls);
        let call = calls.iter_mut().find(|c| c.sid == sid)?;
        let changed = call.transition(status, Utc::now());
        Some((call.clone(), changed))
    }

    /// Stores `message` (built by `messages`) as is.
    pub fn insert_message(&self, message: Message) {
        push_capped(&mut lock(&self.inner.messages), message);
    }

    /// The message `sid`, if known.
    pub fn message(&self, sid: &str) -> Option<Message> {
        lock(&self.inner.messages)
            .iter()
            .find(|m| m.sid == sid)
            .cloned()
    }

    /// Every message, newest first (Twilio's list order).
    pub fn messages(&self) -> Vec<Message> {
        lock(&self.inner.messages).iter().rev().cloned().collect()
    }

    /// Changes the message `sid` with `change`, stamps `date_updated`, and returns it.
    pub fn update_message(&self, sid: &str, change: impl FnOnce(&mut Message)) -> Option<Message> {
        let mut messages = lock(&self.inner.messages);
        let message = messages.iter_mut().find(|m| m.sid == sid)?;
        change(message);
        message.date_updated = Utc::now();
        Some(message.clone())
    }

    /// The texts of the phone `number`, both ways, oldest first: those delivered to it and
    /// those it sent.
    pub fn inbox(&self, number: &str) -> Vec<MessageView> {
        lock(&self.inner.messages)
            .iter()
            .filter(|m| {
                m.direction == MessageDirection::Inbound || m.status == MessageStatus::Delivered
            })
            .filter_map(|m| m.view_for(number))
            .collect()
    }

    /// Records that `number` replied STOP (true) or START (false).
    pub fn set_opted_out(&self, number: &str, opted_out: bool) {
        let mut numbers = lock(&self.inner.opted_out);
        if opted_out {
            numbers.insert(number.to_owned());
        } else {
            numbers.remove(number);
        }
    }

    /// Whether `number` replied STOP (and not START since).
    pub fn is_opted_out(&self, number: &str) -> bool {
        lock(&self.inner.opted_out).contains(number)
    }
}

#[cfg(test)]
mod tests;
