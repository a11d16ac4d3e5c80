//! The emulated Call resource: its status, its timestamps, what it was created with (for the call
//! engine), and its JSON exactly as Twilio's `GET .../Calls/{CallSid}.json` writes it.

use super::{format_number, rfc2822, rfc2822_opt};
use crate::sandbox::callbacks::HttpMethod;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// A call's status as the REST resource gives it (protocols.md 1.2; `initiated` is only a
/// callback event, not a resource status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallStatus {
    Queued,
    Ringing,
    InProgress,
    Canceled,
    Completed,
    Failed,
    Busy,
    NoAnswer,
}

impl CallStatus {
    /// Every status.
    pub const ALL: [CallStatus; 8] = [
        CallStatus::Queued,
        CallStatus::Ringing,
        CallStatus::InProgress,
        CallStatus::Canceled,
        CallStatus::Completed,
        CallStatus::Failed,
        CallStatus::Busy,
        CallStatus::NoAnswer,
    ];

    /// Twilio's spelling, e.g. `in-progress`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Canceled => "canceled",
            CallStatus::Completed => "completed",
            CallStatus::Failed => "failed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
        }
    }

    /// Reads Twilio's spelling (exact).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the call is over (a terminal status never changes again).
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            CallStatus::Queued | CallStatus::Ringing | CallStatus::InProgress
        )
    }
}

/// The `StatusCallbackEvent` values a call can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackEvent {
    Initiated,
    Ringing,
    Answered,
    Completed,
}

impl CallbackEvent {
    /// Reads Twilio's spelling (exact).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "initiated" => Some(CallbackEvent::Initiated),
            "ringing" => Some(CallbackEvent::Ringing),
            "answered" => Some(CallbackEvent::Answered),
            "completed" => Some(CallbackEvent::Completed),
            _ => None,
        }
    }
}

/// What the call does once answered: fetch TwiML from a URL, or run the inline TwiML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInstructions {
    /// `Url` (+ `Method`, POST by default).
    Url { url: String, method: HttpMethod },
    /// `Twiml`: inline TwiML.
    Twiml(String),
}

/// Answering-machine detection as asked (`MachineDetection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineDetection {
    Enable,
    DetectMessageEnd,
}

impl MachineDetection {
    /// Reads `Enable` or `DetectMessageEnd`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Enable" => Some(MachineDetection::Enable),
            "DetectMessageEnd" => Some(MachineDetection::DetectMessageEnd),
            _ => None,
        }
    }
}

/// The parameters `POST .../Calls.json` was given, parsed; what the call engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallParams {
    /// `Url`/`Method` or `Twiml` (Url wins when both are given).
    pub instructions: CallInstructions,
    /// `FallbackUrl` and `FallbackMethod`: used when fetching or running `Url` fails.
    pub fallback: Option<(String, HttpMethod)>,
    /// `StatusCallback`: where the progress events go, if anywhere.
    pub status_callback: Option<String>,
    /// `StatusCallbackEvent` (repeated); Twilio's default is `completed` only.
    pub status_callback_events: Vec<CallbackEvent>,
    /// `StatusCallbackMethod` (POST by default).
    pub status_callback_method: HttpMethod,
    /// `Timeout`: seconds to ring before `no-answer` (default 60, at most 600).
    pub timeout_seconds: u32,
    /// `TimeLimit`: the longest the call may last, in seconds.
    pub time_limit_seconds: Option<u32>,
    /// `MachineDetection`.
    pub machine_detection: Option<MachineDetection>,
    /// `AsyncAmd=true`: the detection result goes to `AsyncAmdStatusCallback` instead of holding
    /// the TwiML fetch.
    pub async_amd: bool,
    /// `AsyncAmdStatusCallback`.
    pub async_amd_status_callback: Option<String>,
    /// `SendDigits`: DTMF to play once answered.
    pub send_digits: Option<String>,
    /// Every form field as received, for anything not parsed above.
    pub raw: Vec<(String, String)>,
}

/// One emulated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub sid: String,
    pub account_sid: String,
    pub to: String,
    pub from: String,
    pub status: CallStatus,
    /// `human`, `machine_start`, ... once detection decided (with `MachineDetection`).
    pub answered_by: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    /// When dialing began (left `queued`); Twilio's `start_time`.
    pub start_time: Option<DateTime<Utc>>,
    /// When it was answered: `duration` counts from here.
    pub answered_at: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub params: CallParams,
}

impl Call {
    /// Moves to `status` at `at`, keeping the timestamps Twilio keeps. A terminal status is
    /// sticky: returns false (and changes nothing) once the call is over.
    pub fn transition(&mut self, status: CallStatus, at: DateTime<Utc>) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        if status != CallStatus::Queued && self.start_time.is_none() {
            self.start_time = Some(at);
        }
        if status == CallStatus::InProgress && self.answered_at.is_none() {
            self.answered_at = Some(at);
        }
        if status.is_terminal() {
            self.end_time = Some(at);
        }
        self.status = status;
        self.date_updated = at;
        true
    }

    /// Seconds between answer and end: Twilio's `duration`, None while ongoing or if never answered.
    pub fn duration_seconds(&self) -> Option<i64> {
        match (self.answered_at, self.end_time) {
            (Some(answered), Some(end)) => Some((end - answered).num_seconds().max(0)),
            _ => None,
        }
    }

    /// `/2010-04-01/Accounts/{AC}/Calls/{CA}`, without `.json`.
    fn base_uri(&self) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Calls/{}",
            self.account_sid, self.sid
        )
    }

    /// The resource as Twilio's JSON.
    pub fn to_json(&self) -> Value {
        let base = self.base_uri();
        let sub = |name: &str| format!("{base}/{name}.json");
        json!({
            "account_sid": self.account_sid,
            "annotation": null,
            "answered_by": self.answered_by,
            "api_version": "2010-04-01",
            "caller_name": null,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "direction": "outbound-api",
            "duration": self.duration_seconds().map(|s| s.to_string()),
            "end_time": rfc2822_opt(self.end_time),
            "forwarded_from": null,
            "from": self.from,
            "from_formatted": format_number(&self.from),
            "group_sid": null,
            "parent_call_sid": null,
            "phone_number_sid": null,
            "price": null,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": self.sid,
            "start_time": rfc2822_opt(self.start_time),
            "status": self.status.as_str(),
            "subresource_uris": {
                "notifications": sub("Notifications"),
                "recordings": sub("Recordings"),
                "payments": sub("Payments"),
                "events": sub("Events"),
                "siprec": sub("Siprec"),
                "streams": sub("Streams"),
                "transcriptions": sub("Transcriptions"),
                "user_defined_message_subscriptions": sub("UserDefinedMessageSubscriptions"),
                "user_defined_messages": sub("UserDefinedMessages"),
            },
            "to": self.to,
            "to_formatted": format_number(&self.to),
            "trunk_sid": null,
            "uri": format!("{base}.json"),
        })
    }
}
