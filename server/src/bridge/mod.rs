//! The call bridge between Twilio Media Streams and an AI voice agent.
//!
//! - `call`: one call's loop (audio both ways, marks, barge-in, tools, how it ends), and
//!   `capture`: its raw messages to files when the capture setting is on.
//! - `transcode`: [`Transcoder`], one per direction per call: one JSON message in, the
//!   messages to send out; `wire` (the provider messages that carry audio), `scan` (finding the
//!   base64 audio in a message without a full parse) and `base64_codec` (its fast codec).
//! - `replay`: the JSON-lines driver of `orderline replay` (troubleshooting, benchmarks), on
//!   the same transcoders as the live bridge.
//!
//! The sample work itself is in `crate::audio`.

mod base64_codec;
pub mod call;
pub mod capture;
pub mod replay;
mod scan;
pub mod transcode;
mod wire;

pub use transcode::{Direction, Messages, OpenAiAudio, TranscodeError, Transcoder};
