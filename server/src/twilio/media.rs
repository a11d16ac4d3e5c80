//! Media Streams WebSocket messages as serde types: [`Inbound`] (Twilio to us) and [`Outbound`]
//! (us to Twilio, bidirectional streams), plus [`MediaWriter`], which writes the outbound `media`
//! message of the audio hot path straight into a reused buffer (same JSON as `Outbound::Media`).
//! Numbers that Twilio sends as strings stay strings. Pure: no IO.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

/// A message Twilio sends on the Media Streams socket.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Inbound {
    Connected {
        protocol: Option<String>,
        version: Option<String>,
    },
    Start {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        start: Start,
    },
    Media {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        media: Media,
    },
    /// The echo of a mark we sent: the audio before it has played (or was cleared).
    Mark {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        mark: MarkName,
    },
    Dtmf {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        dtmf: Dtmf,
    },
    Stop {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
}

impl Inbound {
    /// Whether `json` parses as [`Inbound::Media`], answered for well-formed media messages
    /// without building one (no allocation: the audio hot path asks this 50 times a second);
    /// anything else is left to the full parse, so the answer and the errors are the same.
    pub fn is_media(json: &str) -> Result<bool, serde_json::Error> {
        match serde_json::from_str::<MediaProbe>(json) {
            Ok(probe) if probe.event == "media" => Ok(true),
            _ => Ok(matches!(serde_json::from_str(json)?, Inbound::Media { .. })),
        }
    }
}

/// The members [`Inbound::Media`] requires, with the same types, borrowed from the text.
#[derive(Deserialize)]
#[expect(dead_code, reason = "parsed only to check the members' types")]
struct MediaProbe<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(rename = "streamSid", borrow)]
    stream_sid: Cow<'a, str>,
    #[serde(borrow)]
    media: MediaProbeFields<'a>,
}

/// The members of [`Media`], borrowed.
#[derive(Deserialize)]
#[expect(dead_code, reason = "parsed only to check the members' types")]
struct MediaProbeFields<'a> {
    #[serde(borrow)]
    payload: Cow<'a, str>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    track: Option<Cow<'a, str>>,
    #[serde(borrow)]
    chunk: Option<Cow<'a, str>>,
}

/// A message we send on a bidirectional Media Streams socket (read back by the sandbox).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Outbound {
    /// Audio to play: base64 mu-law 8 kHz, no header. The hot path writes it with [`MediaWriter`].
    Media {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        media: OutboundMedia,
    },
    /// Ask Twilio to echo `name` once the audio sent before it has played.
    Mark {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        mark: MarkName,
    },
    /// Drop the audio Twilio has buffered (barge-in); outstanding marks come back at once.
    Clear {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
}

/// The payload of an outbound `media` message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutboundMedia {
    /// base64 of raw mu-law 8 kHz bytes.
    pub payload: String,
}

/// The label of a mark, in both directions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MarkName {
    pub name: String,
}

/// A key the caller pressed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Dtmf {
    pub digit: String,
}

/// Writes outbound `media` messages for one stream without building an [`Outbound`]: the JSON
/// around the payload is prepared once, the payload is base64-encoded into the caller's buffer.
#[derive(Debug, Clone)]
pub struct MediaWriter {
    /// `{"event":"media","streamSid":"MZ…","media":{"payload":"`, with the SID JSON-escaped.
    prefix: String,
}

impl MediaWriter {
    /// A writer for the stream `stream_sid` (from the `start` message).
    pub fn new(stream_sid: &str) -> Self {
        // Serializing a &str cannot fail; the fallback keeps this path free of unwrap.
        let sid = serde_json::to_string(stream_sid).unwrap_or_else(|_| "\"\"".to_owned());
        Self {
            prefix: format!(r#"{{"event":"media","streamSid":{sid},"media":{{"payload":""#),
        }
    }

    /// Appends the message carrying `mulaw` (mu-law 8 kHz bytes) to `out`.
    pub fn write(&self, mulaw: &[u8], out: &mut String) {
        out.push_str(&self.prefix);
        base64_simd::STANDARD.encode_append(mulaw, out);
        out.push_str("\"}}");
    }
}

/// The `start` payload: the call, the format, and our `<Parameter>`s.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Start {
    #[serde(rename = "callSid")]
    pub call_sid: String,
    #[serde(rename = "customParameters", default)]
    pub custom_parameters: HashMap<String, String>,
}

/// One audio frame (base64 mu-law 8 kHz, normally 20 ms = 160 bytes).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Media {
    pub payload: String,
    /// Milliseconds since the stream started (a string on the wire).
    pub timestamp: Option<String>,
    /// `inbound` or `outbound`.
    pub track: Option<String>,
    /// Per-track frame counter from "1" (a string on the wire).
    pub chunk: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_start_message_parses() {
        let text = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"callId":"7","token":"abc"}},"streamSid":"MZ1"}"#;
        let Inbound::Start { stream_sid, start } = serde_json::from_str(text).unwrap() else {
            panic!("not a start")
        };
        assert_eq!(stream_sid, "MZ1");
        assert_eq!(start.call_sid, "CA1");
        assert_eq!(start.custom_parameters["token"], "abc");
    }

    #[test]
    fn connected_and_media_parse() {
        assert!(matches!(
            serde_json::from_str::<Inbound>(
                r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#
            )
            .unwrap(),
            Inbound::Connected { .. }
        ));
        let media = r#"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"no+JhoaJjpzS"},"streamSid":"MZ1"}"#;
        assert!(matches!(
            serde_json::from_str::<Inbound>(media).unwrap(),
            Inbound::Media { .. }
        ));
    }

    #[test]
    fn is_media_answers_as_the_full_parse_does() {
        let media = r#"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":""},"streamSid":"MZ1"}"#;
        let cases = [
            media.to_owned(),
            media.replace(r#""track":"inbound","#, ""),
            media.replace(r#""chunk":"2""#, r#""chunk":null"#),
            media.replace(r#""chunk":"2""#, r#""chunk":2"#),
            media.replace(r#""streamSid":"MZ1""#, r#""streamSid":1"#),
            media.replace(r#","streamSid":"MZ1""#, ""),
            media.replace(r#""event":"media""#, r#""event":"m\u0065dia""#),
            media.replace(r#""event":"media""#, r#""event":"stop""#),
            media.replace(r#""event":"media","#, r#""event":"media","event":"media","#),
            r#"{"event":"stop","streamSid":"MZ1"}"#.to_owned(),
            r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#.to_owned(),
            format!("{media} x"),
        ];
        for json in &cases {
            let full =
                serde_json::from_str::<Inbound>(json).map(|m| matches!(m, Inbound::Media { .. }));
            match (Inbound::is_media(json), full) {
                (Ok(fast), Ok(full)) => assert_eq!(fast, full, "{json}"),
                (fast, full) => assert!(fast.is_err() && full.is_err(), "{json}"),
            }
        }
    }

    #[test]
    fn mark_dtmf_and_stop_parse_with_their_payloads() {
        let mark =
            r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"r1"}}"#;
        let Inbound::Mark { mark, .. } = serde_json::from_str(mark).unwrap() else {
            panic!("not a mark")
        };
        assert_eq!(mark.name, "r1");
        let dtmf = r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#;
        let Inbound::Dtmf { dtmf, .. } = serde_json::from_str(dtmf).unwrap() else {
            panic!("not a dtmf")
        };
        assert_eq!(dtmf.digit, "1");
        let stop = r#"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#;
        assert!(matches!(
            serde_json::from_str(stop).unwrap(),
            Inbound::Stop { .. }
        ));
    }

    #[test]
    fn outbound_messages_serialize_as_twilio_documents_them() {
        let clear = Outbound::Clear {
            stream_sid: "MZ1".into(),
        };
        assert_eq!(
            serde_json::to_string(&clear).unwrap(),
            r#"{"event":"clear","streamSid":"MZ1"}"#
        );
        let mark = Outbound::Mark {
            stream_sid: "MZ1".into(),
            mark: MarkName { name: "r1".into() },
        };
        assert_eq!(
            serde_json::to_string(&mark).unwrap(),
            r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"r1"}}"#
        );
    }

    #[test]
    fn the_media_writer_writes_what_serde_writes_for_outbound_media() {
        let sid = "MZ\"odd\\sid";
        let mut fast = String::new();
        MediaWriter::new(sid).write(&[0xFF, 0x7F, 0x00], &mut fast);
        let typed = Outbound::Media {
            stream_sid: sid.into(),
            media: OutboundMedia {
                payload: "/38A".into(),
            },
        };
        assert_eq!(fast, serde_json::to_string(&typed).unwrap());
    }
}
