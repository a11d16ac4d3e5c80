//! Wire types of calls and the live status channel: the call status enum (parsed from Twilio's
//! strings at the webhook edge), the call view shown on order pages, and [`StatusEvent`], the only
//! thing the `/api/v1/live` WebSocket sends.

use super::UnknownValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where a call is, in Twilio's terms. `Initiated` only exists as a status-callback event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    Queued,
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
}

impl CallStatus {
    /// Every status.
    pub const ALL: [CallStatus; 9] = [
        CallStatus::Queued,
        CallStatus::Initiated,
        CallStatus::Ringing,
        CallStatus::InProgress,
        CallStatus::Completed,
        CallStatus::Busy,
        CallStatus::NoAnswer,
        CallStatus::Failed,
        CallStatus::Canceled,
    ];

    /// Twilio's name (`in-progress`, `no-answer`, ...), also stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Initiated => "initiated",
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Failed => "failed",
            CallStatus::Canceled => "canceled",
        }
    }

    /// Words for people, in English (as the server writes them).
    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    /// Words for people, in `locale`.
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            CallStatus::Queued => td_string!(locale, calls.status.queued),
            CallStatus::Initiated => td_string!(locale, calls.status.initiated),
            CallStatus::Ringing => td_string!(locale, calls.status.ringing),
            CallStatus::InProgress => td_string!(locale, calls.status.in_progress),
            CallStatus::Completed => td_string!(locale, calls.status.completed),
            CallStatus::Busy => td_string!(locale, calls.status.busy),
            CallStatus::NoAnswer => td_string!(locale, calls.status.no_answer),
            CallStatus::Failed => td_string!(locale, calls.status.failed),
            CallStatus::Canceled => td_string!(locale, calls.status.canceled),
        }
    }

    /// Whether the call is over (no status can follow).
    pub fn is_final(self) -> bool {
        self.rank() == 4
    }

    /// Position in a call's life: queued 0, initiated 1, ringing 2, in-progress 3, any end 4.
    pub fn rank(self) -> u8 {
        match self {
            CallStatus::Queued => 0,
            CallStatus::Initiated => 1,
            CallStatus::Ringing => 2,
            CallStatus::InProgress => 3,
            CallStatus::Completed
            | CallStatus::Busy
            | CallStatus::NoAnswer
            | CallStatus::Failed
            | CallStatus::Canceled => 4,
        }
    }
}

impl FromStr for CallStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CallStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// Who is called about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Customer,
    Driver,
}

impl Recipient {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Customer => "customer",
            Recipient::Driver => "driver",
        }
    }

    /// Words for people, in `locale` (`customer`, `client`).
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Recipient::Customer => td_string!(locale, calls.recipient.customer),
            Recipient::Driver => td_string!(locale, calls.recipient.driver),
        }
    }
}

impl FromStr for Recipient {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Recipient::Customer),
            "driver" => Ok(Recipient::Driver),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// The AI voice provider of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Openai,
    Gemini,
    /// The offline demo agent (no key, no network): the default while the sandbox is on.
    Demo,
}

impl Provider {
    /// The stored name (also the `agent_provider` setting's values).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Gemini => "gemini",
            Provider::Demo => "demo",
        }
    }

    /// Words for people, in English (as the server writes them).
    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    /// Words for people, in `locale`.
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Provider::Openai => td_string!(locale, calls.provider.openai),
            Provider::Gemini => td_string!(locale, calls.provider.gemini),
            Provider::Demo => td_string!(locale, calls.provider.demo),
        }
    }
}

impl FromStr for Provider {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openai" => Ok(Provider::Openai),
            "gemini" => Ok(Provider::Gemini),
            "demo" => Ok(Provider::Demo),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// One call as the order page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub id: i64,
    pub order_id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub placed_by: String,
    pub recipient: Recipient,
    pub to_number: String,
    pub provider: Provider,
    pub status: CallStatus,
    pub duration_seconds: Option<i64>,
    pub answered_by: Option<String>,
    /// Why the call failed, in plain words (with Twilio's code when there is one).
    pub failure_reason: Option<String>,
    /// Placed through the sandbox (the emulated Twilio).
    #[serde(default)]
    pub sandbox: bool,
}

/// What the browser needs to offer the Call button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallReadiness {
    /// Why calling is impossible now (Twilio disabled or not configured), or None.
    pub blocked: Option<String>,
    pub default_provider: Provider,
    /// The sandbox stands in for Twilio: calls ring the softphone page, not real phones.
    #[serde(default)]
    pub sandbox: bool,
}

/// The order page's data, loaded in one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPageData {
    pub order: super::OrderDetail,
    pub readiness: CallReadiness,
    pub calls: Vec<CallView>,
    /// What was said and done on each call, one per call above.
    pub journals: Vec<super::CallJournal>,
    /// The texts composer's data, the texts and the replies.
    pub sms: super::OrderSmsData,
}

/// Everything `/api/v1/live` pushes. Both ends decode this same type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StatusEvent {
    /// The calls that are not over yet; sent on connect and after the browser lagged behind.
    Snapshot { calls: Vec<CallView> },
    /// A call was created or changed.
    CallChanged { call: CallView },
    /// A transcript piece of a running call. `done: false`: the line so far (it replaces the
    /// previous partial line of that speaker); `done: true`: the whole line, now stored.
    Transcript {
        call_id: i64,
        order_id: i64,
        speaker: super::Speaker,
        text: String,
        done: bool,
    },
    /// The agent ran a tool on a call (`result_summary` in plain words).
    ToolCalled {
        call_id: i64,
        order_id: i64,
        name: String,
        result_summary: String,
    },
    /// A call changed the order (a note, the window confirmed or another one asked for).
    OrderChanged { order_id: i64 },
    /// A text was queued or its status changed.
    SmsChanged { message: super::SmsMessageView },
    /// A text came in (shown on its order; counted in the header until read).
    SmsReceived { reply: super::SmsReplyView },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_use_twilio_s_names() {
        for status in CallStatus::ALL {
            assert_eq!(status.as_str().parse::<CallStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert!("answered".parse::<CallStatus>().is_err());
    }

    #[test]
    fn ends_are_final_and_rank_last() {
        assert!(CallStatus::NoAnswer.is_final());
        assert!(!CallStatus::InProgress.is_final());
        assert!(CallStatus::Ringing.rank() > CallStatus::Initiated.rank());
    }

    #[test]
    fn status_events_are_tagged() {
        let json = serde_json::to_value(StatusEvent::Snapshot { calls: vec![] }).unwrap();
        assert_eq!(json["type"], "snapshot");
        let line = StatusEvent::Transcript {
            call_id: 1,
            order_id: 2,
            speaker: super::super::Speaker::Caller,
            text: "Hello".into(),
            done: false,
        };
        let json = serde_json::to_value(&line).unwrap();
        assert_eq!(json["type"], "transcript");
        assert_eq!(json["speaker"], "caller");
        assert_eq!(serde_json::from_value::<StatusEvent>(json).unwrap(), line);
        let json = serde_json::to_value(StatusEvent::OrderChanged { order_id: 2 }).unwrap();
        assert_eq!(json["type"], "order_changed");
    }
}
