//! Audio for the call bridge: pure, synchronous sample work with no IO, no serde and no tokio.
//!
//! Layout:
//! - `g711`: G.711 mu-law decode (exact table) and encode (Sun g711.c, 16-bit form).
//! - `pcm`: PCM16 little-endian bytes to and from `i16` samples.
//! - `resample`: [`StreamResampler`], one stateful polyphase resampler per direction per call,
//!   on rubato's windowed-sinc tables and SIMD kernels, with exact output lengths.
//! - `pipeline`: the per-call sample paths of the bridge: [`Uplink`] (caller mu-law 8 kHz to the
//!   agent's input format) and [`Downlink`] (agent output to 160-byte Twilio frames).
//!
//! Wire formats (JSON, base64) are not handled here; `bridge::transcode` puts them around these.

mod fir;
pub mod g711;
pub mod pcm;
pub mod pipeline;
pub mod resample;

pub use pipeline::{AgentInput, AgentOutput, Downlink, Uplink};
pub use resample::{Conversion, StreamResampler};

/// What can go wrong in the audio path: only building a path for rates it cannot convert.
/// Bad input data never fails here (every byte string is valid mu-law or PCM16).
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The two rates are not whole multiples of each other.
    #[error("cannot resample {from} Hz to {to} Hz: one rate must be a multiple of the other")]
    UnsupportedRatio {
        /// Input rate in Hz.
        from: u32,
        /// Output rate in Hz.
        to: u32,
    },
}
