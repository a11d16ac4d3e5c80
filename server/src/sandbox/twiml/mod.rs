//! The sandbox's TwiML parser: what a call does once answered, read from the document Twilio
//! would fetch from the call's voice URL (or get as `Twiml=`), into typed verbs.
//!
//! It owns the verbs the sandbox emulates (`<Connect><Stream>` with `<Parameter>`s, `<Say>`,
//! `<Pause>`, `<Hangup>`) and reports everything else the way Twilio's debugger does, with
//! Twilio's error code ([`TwimlError::code`]). It does no IO and runs nothing: the call engine
//! executes the [`Response`].
//!
//! Layout: `tree` turns bytes into an element tree (XML well-formedness, 12100); `verbs` turns
//! the tree into [`Verb`]s (schema 12200 and invalid attribute values 13xxx/319xx).
//!
//! Codes used (Twilio's error dictionary):
//! - 11750 "TwiML response body too large" (over 64 kB);
//! - 12100 "Document parse failure" (not XML, not UTF-8, root not `<Response>`);
//! - 12200 "Schema validation warning" (unknown or misplaced elements, text where none belongs,
//!   a missing required attribute), also used for valid Twilio verbs the sandbox does not
//!   emulate ([`TwimlError::Unsupported`]);
//! - 13510 "Say: Invalid loop value", 13511 "Say: Invalid voice value", 13520 "Say: Invalid
//!   text", 13910 "Pause: Invalid length value";
//! - 31922 "Stream - WebSocket - URL Schema Not Supported", 31923 "Stream - WebSocket -
//!   Malformed URL", 31941 "Stream - Invalid Track configuration".

mod tree;
mod verbs;

#[cfg(test)]
mod tests;

use std::time::Duration;

/// The largest document Twilio accepts (error 11750 past it).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// A parsed TwiML voice document: its verbs, run in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The verbs in document order; an empty `<Response/>` hangs up at once.
    pub verbs: Vec<Verb>,
}

/// One instruction of a [`Response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Connect><Stream>`: a bidirectional Media Stream; the next verb runs once it closes.
    Connect(Connect),
    /// `<Say>`: text to speech.
    Say(Say),
    /// `<Pause>`: silence.
    Pause(Pause),
    /// `<Hangup/>`: ends the call.
    Hangup,
}

/// `<Connect>` and its one `<Stream>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// `action`: the URL Twilio requests once the stream ends, when given.
    pub action: Option<String>,
    /// The stream to open.
    pub stream: Stream,
}

/// `<Stream>` inside `<Connect>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The WebSocket URL (`wss://`, or `ws://` which the sandbox allows for local servers).
    pub url: url::Url,
    /// `name`, when given (unique per call at Twilio).
    pub name: Option<String>,
    /// `track`; always [`Track::InboundTrack`] under `<Connect>` (31941 otherwise).
    pub track: Track,
    /// `statusCallback`, when given.
    pub status_callback: Option<String>,
    /// The `<Parameter>`s, in order: they arrive in `start.customParameters`.
    pub parameters: Vec<Parameter>,
}

/// The `track` attribute of `<Stream>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// `inbound_track` (the default): the caller's audio.
    InboundTrack,
    /// `outbound_track`: the audio Twilio plays to the caller.
    OutboundTrack,
    /// `both_tracks`.
    BothTracks,
}

impl Track {
    /// Parses the attribute value as Twilio spells it.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "inbound_track" => Some(Self::InboundTrack),
            "outbound_track" => Some(Self::OutboundTrack),
            "both_tracks" => Some(Self::BothTracks),
            _ => None,
        }
    }
}

/// `<Parameter name value>` of a `<Stream>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The key in `customParameters`.
    pub name: String,
    /// Its value (empty when the attribute is absent, as Twilio sends it).
    pub value: String,
}

/// `<Say>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    /// The text, trimmed, with SSML tags removed and their text kept.
    pub text: String,
    /// `voice` (`man`, `woman`, `alice`, `Polly.*`, `Google.*`), when given.
    pub voice: Option<String>,
    /// `language` (e.g. `fr-FR`), when given.
    pub language: Option<String>,
    /// `loop`: how many times to say it; 0 repeats until the call ends. Default 1.
    pub loops: u32,
}

/// `<Pause>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// `length` in seconds (a positive integer, default 1).
    pub length: Duration,
}

/// Which attribute (or text) had a value Twilio refuses; each has its own Twilio code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidValue {
    /// 13510: `<Say loop>` is not an integer >= 0.
    SayLoop,
    /// 13511: `<Say voice>` is not a voice Twilio knows.
    SayVoice,
    /// 13520: `<Say>` has no text.
    SayText,
    /// 13910: `<Pause length>` is not a positive integer.
    PauseLength,
    /// 31922: `<Stream url>` is not a WebSocket URL (`wss://`, or `ws://` in the sandbox).
    StreamUrlScheme,
    /// 31923: `<Stream url>` is not an absolute URL.
    StreamUrl,
    /// 31941: `<Stream track>` is not `inbound_track` under `<Connect>`.
    StreamTrack,
}

impl InvalidValue {
    /// Twilio's error code.
    pub fn code(self) -> u32 {
        match self {
            Self::SayLoop => 13510,
            Self::SayVoice => 13511,
            Self::SayText => 13520,
            Self::PauseLength => 13910,
            Self::StreamUrlScheme => 31922,
            Self::StreamUrl => 31923,
            Self::StreamTrack => 31941,
        }
    }

    /// Twilio's title for the code.
    pub fn title(self) -> &'static str {
        match self {
            Self::SayLoop => "Say: Invalid loop value",
            Self::SayVoice => "Say: Invalid voice value",
            Self::SayText => "Say: Invalid text",
            Self::PauseLength => "Pause: Invalid length value",
            Self::StreamUrlScheme => "Stream - WebSocket - URL Schema Not Supported",
            Self::StreamUrl => "Stream - WebSocket - Malformed URL",
            Self::StreamTrack => "Stream - Invalid Track configuration",
        }
    }
}

/// Why a document cannot run, as Twilio reports it (see the module doc for the codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwimlError {
    /// 11750: the document is over [`MAX_DOCUMENT_BYTES`].
    #[error("TwiML response body too large: {bytes} bytes (limit 64 kB)")]
    TooLarge {
        /// The document's size.
        bytes: usize,
    },
    /// 12100: not well-formed XML, not UTF-8, or a root other than `<Response>`.
    #[error("Document parse failure: {0}")]
    Parse(String),
    /// 12200: well-formed XML that breaks TwiML's schema.
    #[error("Schema validation warning: {0}")]
    Schema(String),
    /// 12200: a real Twilio verb or noun (e.g. `<Dial>`) that the sandbox does not emulate.
    #[error("Schema validation warning: <{verb}> is not emulated by the sandbox")]
    Unsupported {
        /// The element's name.
        verb: String,
    },
    /// 13xxx / 319xx: a value Twilio refuses.
    #[error("{}: {value:?}", kind.title())]
    Invalid {
        /// Which value, and so which code.
        kind: InvalidValue,
        /// The value as written.
        value: String,
    },
}

impl TwimlError {
    /// Twilio's error code for this failure.
    pub fn code(&self) -> u32 {
        match self {
            Self::TooLarge { .. } => 11750,
            Self::Parse(_) => 12100,
            Self::Schema(_) | Self::Unsupported { .. } => 12200,
            Self::Invalid { kind, .. } => kind.code(),
        }
    }
}

/// Parses a TwiML voice document (the body of the voice URL's answer, or `Twiml=`).
pub fn parse(document: &[u8]) -> Result<Response, TwimlError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(TwimlError::TooLarge {
            bytes: document.len(),
        });
    }
    let document = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
    let text = std::str::from_utf8(document)
        .map_err(|error| TwimlError::Parse(format!("not UTF-8: {error}")))?;
    let root = tree::parse(text)?;
    verbs::response(&root)
}
