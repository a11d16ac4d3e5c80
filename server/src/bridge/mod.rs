//! The call bridge between Twilio Media Streams and an AI voice agent. So far its wire-level
//! audio work: `transcode` ([`Transcoder`], one per direction per call: one JSON message in,
//! the messages to send out), `wire` (the provider messages that carry audio), `scan` (finding
//! the base64 audio in a message without a full parse), `base64_codec` (its fast codec) and `replay` (the JSON-lines driver of
//! `orderline replay`, used by the benchmarks). The sample work itself is in `crate::audio`.

mod base64_codec;
pub mod replay;
mod scan;
pub mod transcode;
mod wire;

pub use transcode::{Direction, Messages, OpenAiAudio, TranscodeError, Transcoder};
