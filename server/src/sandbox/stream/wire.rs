//! The JSON of the sandbox's Media Streams leg, pure: the messages Twilio sends to the stream
//! server ([`Sent`], protocols.md 5.1, the mirror of `twilio::media::Inbound`, which Orderline
//! only reads) and the parse of what the server sends back (`twilio::media::Outbound`).
//! Numbers Twilio sends as strings (`sequenceNumber`, `chunk`, `timestamp`) are strings here.

use crate::twilio::media::Outbound;
use base64::Engine;
use serde::Serialize;
use std::collections::BTreeMap;

/// A message the leg sends, as Twilio writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub(super) enum Sent<'a> {
    Connected {
        protocol: &'static str,
        version: &'static str,
    },
    Start {
        #[serde(rename = "sequenceNumber")]
        sequence_number: String,
        start: StartBody<'a>,
        #[serde(rename = "streamSid")]
        stream_sid: &'a str,
    },
    Media {
        #[serde(rename = "sequenceNumber")]
        sequence_number: String,
        media: MediaBody,
        #[serde(rename = "streamSid")]
        stream_sid: &'a str,
    },
    Mark {
        #[serde(rename = "sequenceNumber")]
        sequence_number: String,
        #[serde(rename = "streamSid")]
        stream_sid: &'a str,
        mark: NameBody,
    },
    Dtmf {
        #[serde(rename = "streamSid")]
        stream_sid: &'a str,
        #[serde(rename = "sequenceNumber")]
        sequence_number: String,
        dtmf: DtmfBody,
    },
    Stop {
        #[serde(rename = "sequenceNumber")]
        sequence_number: String,
        stop: StopBody<'a>,
        #[serde(rename = "streamSid")]
        stream_sid: &'a str,
    },
}

/// The `start` payload.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StartBody<'a> {
    pub(super) account_sid: &'a str,
    pub(super) stream_sid: &'a str,
    pub(super) call_sid: &'a str,
    pub(super) tracks: [&'static str; 1],
    pub(super) custom_parameters: BTreeMap<&'a str, &'a str>,
    pub(super) media_format: MediaFormat,
}

/// `start.mediaFormat`: always mu-law 8 kHz mono for classic streams.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MediaFormat {
    pub(super) encoding: &'static str,
    pub(super) sample_rate: u32,
    pub(super) channels: u32,
}

impl MediaFormat {
    /// The only format of a classic stream.
    pub(super) const MULAW_8K: MediaFormat = MediaFormat {
        encoding: "audio/x-mulaw",
        sample_rate: 8000,
        channels: 1,
    };
}

/// The `media` payload of an inbound frame.
#[derive(Debug, Clone, Serialize)]
pub(super) struct MediaBody {
    pub(super) track: &'static str,
    pub(super) chunk: String,
    pub(super) timestamp: String,
    pub(super) payload: String,
}

impl MediaBody {
    /// Frame `chunk` (from 1) of the inbound track, `timestamp_ms` after the start.
    pub(super) fn inbound(chunk: u64, timestamp_ms: u64, mulaw: &[u8]) -> Self {
        MediaBody {
            track: "inbound",
            chunk: chunk.to_string(),
            timestamp: timestamp_ms.to_string(),
            payload: base64::engine::general_purpose::STANDARD.encode(mulaw),
        }
    }
}

/// `{"name": ..}` of a mark.
#[derive(Debug, Clone, Serialize)]
pub(super) struct NameBody {
    pub(super) name: String,
}

/// The `dtmf` payload.
#[derive(Debug, Clone, Serialize)]
pub(super) struct DtmfBody {
    pub(super) track: &'static str,
    pub(super) digit: String,
}

/// The `stop` payload.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StopBody<'a> {
    pub(super) account_sid: &'a str,
    pub(super) call_sid: &'a str,
}

impl Sent<'_> {
    /// The JSON text of the message.
    pub(super) fn to_json(&self) -> String {
        // These types hold only strings, numbers and string maps: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the stream server sent, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Received {
    /// Audio to play (mu-law bytes, decoded from base64).
    Media(Vec<u8>),
    /// A mark to echo once the audio before it has played.
    Mark(String),
    /// Drop the audio not yet played and echo the pending marks.
    Clear,
}

/// Why a server message was skipped.
#[derive(Debug, thiserror::Error)]
pub(super) enum Malformed {
    #[error("not a Media Streams message: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the payload is not base64")]
    Base64,
    #[error("streamSid {0:?} is not this stream's")]
    OtherStream(String),
}

/// Parses a text frame from the stream server, checking its `streamSid` against ours.
pub(super) fn parse(text: &str, stream_sid: &str) -> Result<Received, Malformed> {
    let message: Outbound = serde_json::from_str(text)?;
    let (sid, received) = match message {
        Outbound::Media { stream_sid, media } => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(media.payload.as_bytes())
                .map_err(|_| Malformed::Base64)?;
            (stream_sid, Received::Media(bytes))
        }
        Outbound::Mark { stream_sid, mark } => (stream_sid, Received::Mark(mark.name)),
        Outbound::Clear { stream_sid } => (stream_sid, Received::Clear),
    };
    if sid != stream_sid {
        return Err(Malformed::OtherStream(sid));
    }
    Ok(received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_message_has_twilio_s_documented_shape() {
        let mut custom = BTreeMap::new();
        custom.insert("callId", "7");
        let start = Sent::Start {
            sequence_number: "1".into(),
            start: StartBody {
                account_sid: "AC1",
                stream_sid: "MZ1",
                call_sid: "CA1",
                tracks: ["inbound"],
                custom_parameters: custom,
                media_format: MediaFormat::MULAW_8K,
            },
            stream_sid: "MZ1",
        };
        assert_eq!(
            start.to_json(),
            r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"customParameters":{"callId":"7"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#
        );
    }

    #[test]
    fn server_messages_parse_and_other_streams_are_refused() {
        assert_eq!(
            parse(
                r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/38A"}}"#,
                "MZ1"
            )
            .unwrap(),
            Received::Media(vec![0xFF, 0x7F, 0x00])
        );
        assert_eq!(
            parse(
                r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"r1"}}"#,
                "MZ1"
            )
            .unwrap(),
            Received::Mark("r1".into())
        );
        assert_eq!(
            parse(r#"{"event":"clear","streamSid":"MZ1"}"#, "MZ1").unwrap(),
            Received::Clear
        );
        assert!(matches!(
            parse(r#"{"event":"clear","streamSid":"MZ2"}"#, "MZ1"),
            Err(Malformed::OtherStream(_))
        ));
        assert!(matches!(
            parse(
                r#"{"event":"media","streamSid":"MZ1","media":{"payload":"%%"}}"#,
                "MZ1"
            ),
            Err(Malformed::Base64)
        ));
        assert!(matches!(parse("{", "MZ1"), Err(Malformed::Json(_))));
        assert!(matches!(
            parse(r#"{"event":"start","streamSid":"MZ1"}"#, "MZ1"),
            Err(Malformed::Json(_))
        ));
    }
}
