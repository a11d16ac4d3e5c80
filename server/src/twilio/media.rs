//! Media Streams WebSocket messages (Twilio to us), as serde types. Numbers that Twilio sends as
//! strings stay strings. Only what the endpoint needs now; the bridge issue extends it.

use serde::Deserialize;
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
    Mark {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
    Dtmf {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
    Stop {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
}

/// The `start` payload: the call, the format, and our `<Parameter>`s.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Start {
    #[serde(rename = "callSid")]
    pub call_sid: String,
    #[serde(rename = "customParameters", default)]
    pub custom_parameters: HashMap<String, String>,
}

/// One audio frame (base64 mu-law 8 kHz).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Media {
    pub payload: String,
    pub timestamp: Option<String>,
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
}
