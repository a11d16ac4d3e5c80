//! The sandbox as the softphone page shows it (issue 12): the emulated Twilio account, the phone
//! numbers worth picking, and the numbers that make texts fail on purpose.

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
