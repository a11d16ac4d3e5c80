//! The sandbox as the softphone page shows it (issue 12): the emulated Twilio account, the phone
//! numbers worth picking, and the numbers that make texts fail on purpose. The server writes its
//! labels in English; the `_in(locale)` variants say them in the reader's language.

use crate::i18n::{td_string, Locale};
use crate::locale::fill;
use serde::{Deserialize, Serialize};

/// What `/sandbox/phone` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxInfo {
    /// Whether the sandbox stands in for Twilio now (Twilio not configured, or forced).
    pub active: bool,
    /// The emulated account's SID and auth token (sandbox credentials, not Twilio's).
    pub account_sid: String,
    pub auth_token: String,
    /// The number calls and texts come from.
    pub phone_number: String,
    /// The REST base the Twilio helper libraries can be pointed at.
    pub api_base: String,
    /// The orders' customers and drivers, to pick a phone from.
    pub phones: Vec<SandboxPhone>,
    /// Numbers whose texts fail, by their last four digits.
    pub failure_numbers: Vec<FailureNumber>,
}

/// A phone number worth picking on the softphone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPhone {
    /// e.g. "Camille Martin (customer, ORD-1001)".
    pub label: String,
    /// E.164.
    pub number: String,
}

/// A number ending that makes a text fail, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureNumber {
    /// The last four digits, e.g. "0000".
    pub ending: String,
    /// Twilio's error code.
    pub code: u32,
    /// What happens, in words.
    pub meaning: String,
}

/// What a softphone tab sends on `/sandbox/phone/ws` (text frames, JSON). Audio goes in binary
/// frames: 16-bit little-endian PCM, 8 kHz, mono, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SoftphoneRequest {
    Answer {
        call_sid: String,
    },
    Decline {
        call_sid: String,
    },
    Hangup,
    Dtmf {
        digit: char,
    },
    /// A text from this phone to the sandbox's number.
    Text {
        body: String,
    },
}

/// What a softphone tab is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SoftphoneEvent {
    Ringing {
        call_sid: String,
        from: String,
    },
    RingStopped {
        call_sid: String,
    },
    Connected {
        call_sid: String,
    },
    Ended {
        call_sid: String,
        status: String,
    },
    /// What the call says (TwiML `<Say>`).
    Caption {
        text: String,
    },
    /// The whole inbox of this number, oldest first.
    Inbox {
        messages: Vec<SoftphoneText>,
    },
    /// A request could not be done.
    Error {
        message: String,
    },
}

/// One text of a softphone's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftphoneText {
    pub sid: String,
    /// True for a text this phone received, false for one it sent.
    pub incoming: bool,
    pub body: String,
    pub status: String,
    pub error_code: Option<u32>,
    /// RFC 3339.
    pub at: String,
}

impl SandboxPhone {
    /// The label in the reader's language. The server writes `Camille Martin (customer,
    /// ORD-1001)`; the role word is said in `locale` (any other label is shown as it came).
    pub fn label_in(&self, locale: Locale) -> String {
        let Some(inner) = self.label.strip_suffix(')') else {
            return self.label.clone();
        };
        let roles = [
            (" (customer, ", td_string!(locale, phone.number.customer)),
            (" (driver, ", td_string!(locale, phone.number.driver)),
        ];
        for (written, role) in roles {
            if let Some((name, order)) = inner.rsplit_once(written) {
                let values = [("name", name), ("role", role), ("order", order)];
                return fill(td_string!(locale, phone.number.option), &values);
            }
        }
        self.label.clone()
    }
}

impl FailureNumber {
    /// What happens, in the reader's language (by Twilio's code; the server's words otherwise).
    pub fn meaning_in(&self, locale: Locale) -> String {
        match self.code {
            30003 => td_string!(locale, phone.account.unreachable).to_owned(),
            30006 => td_string!(locale, phone.account.landline).to_owned(),
            21610 => td_string!(locale, phone.account.opted_out).to_owned(),
            _ => self.meaning.clone(),
        }
    }
}

impl SoftphoneText {
    /// The text's status in the reader's language, with Twilio's error code if any.
    pub fn status_in(&self, locale: Locale) -> String {
        let status = status_word(&self.status, locale);
        match self.error_code {
            Some(code) => format!("{status} ({code})"),
            None => status,
        }
    }
}

/// A text's or a call's status (Twilio's word, e.g. `delivered`, `no-answer`) in the reader's
/// language; a word this app does not know is shown as it came.
pub fn status_word(status: &str, locale: Locale) -> String {
    let word = match status {
        "queued" => td_string!(locale, phone.status.queued),
        "accepted" => td_string!(locale, phone.status.accepted),
        "scheduled" => td_string!(locale, phone.status.scheduled),
        "sending" => td_string!(locale, phone.status.sending),
        "sent" => td_string!(locale, phone.status.sent),
        "delivered" => td_string!(locale, phone.status.delivered),
        "undelivered" => td_string!(locale, phone.status.undelivered),
        "failed" => td_string!(locale, phone.status.failed),
        "receiving" => td_string!(locale, phone.status.receiving),
        "received" => td_string!(locale, phone.status.received),
        "canceled" => td_string!(locale, phone.status.canceled),
        "ringing" => td_string!(locale, phone.status.ringing),
        "in-progress" => td_string!(locale, phone.status.in_progress),
        "completed" => td_string!(locale, phone.status.completed),
        "busy" => td_string!(locale, phone.status.busy),
        "no-answer" => td_string!(locale, phone.status.no_answer),
        other => other,
    };
    word.to_owned()
}
