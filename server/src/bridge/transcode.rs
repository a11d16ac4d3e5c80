//! The bridge's per-frame work on the wire: [`Transcoder`], one per direction per call, takes
//! one JSON message (a Twilio Media Streams message, or an OpenAI Realtime / Gemini Live server
//! event) and produces the messages to send to the other side, reusing its buffers.
//!
//! Four directions: Twilio `media` to OpenAI `input_audio_buffer.append` (PCM16 24 kHz, or the
//! mu-law passed through for `audio/pcmu`), Twilio `media` to Gemini `realtimeInput.audio`
//! (PCM16 16 kHz), and OpenAI `response.output_audio.delta` / Gemini `serverContent.modelTurn`
//! audio (PCM16 24 kHz, or OpenAI mu-law) to Twilio outbound `media`, 160 bytes (20 ms) each.
//! Messages without audio produce nothing here (the bridge handles them); malformed ones are an
//! error the caller logs and skips. The audio value is decoded straight from the text and serde
//! checks the rest of the message (see `scan`).

use super::base64_codec::{decode_at, encode_into};
use super::scan;
use super::wire::{gemini_audio_parts, GeminiServer, OpenAiServer, GEMINI_INPUT, OPENAI_APPEND};
use crate::audio::{AgentInput, AgentOutput, AudioError, Downlink, Uplink};
use crate::twilio::media::{Inbound, MediaWriter};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Which way a transcoder converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Twilio `media` to OpenAI Realtime `input_audio_buffer.append`.
    TwilioToOpenAi,
    /// Twilio `media` to Gemini Live `realtimeInput.audio`.
    TwilioToGemini,
    /// OpenAI Realtime `response.output_audio.delta` to Twilio `media`.
    OpenAiToTwilio,
    /// Gemini Live `serverContent.modelTurn` audio parts to Twilio `media`.
    GeminiToTwilio,
}

/// The OpenAI Realtime session's audio format (both directions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenAiAudio {
    /// `audio/pcm`: PCM16 24 kHz, resampled here.
    #[default]
    Pcm,
    /// `audio/pcmu`: mu-law 8 kHz, passed through.
    Pcmu,
}

/// Why a message was skipped.
#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    /// Not JSON, or not a message of the expected shape.
    #[error("malformed message: {0}")]
    Json(#[from] serde_json::Error),
    /// The audio value is not valid base64.
    #[error("malformed audio: {0}")]
    Base64(#[from] base64::DecodeSliceError),
    /// Audio in a format this path does not take (e.g. another sample rate).
    #[error("unsupported audio format {0:?}")]
    Format(String),
}

/// The messages one input produced, in order, kept in one reused buffer.
#[derive(Debug, Default)]
pub struct Messages {
    text: String,
    ends: Vec<usize>,
}

impl Messages {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the list, keeping its memory.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The messages, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(s, &e)| &self.text[s..e])
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn close(&mut self) {
        self.ends.push(self.text.len());
    }
}

/// One direction of one call's audio on the wire.
#[derive(Debug)]
pub struct Transcoder {
    path: Path,
    /// Ranges of the audio values found in the current message.
    ranges: Vec<(usize, usize)>,
    /// The current message with its audio values cut out, for serde.
    skeleton: String,
    /// Decoded audio of the current message, at its start; only ever grows (see `decode_at`).
    audio: Vec<u8>,
    /// See [`Transcoder::caller_level`].
    level: u8,
}

#[derive(Debug)]
enum Path {
    /// Twilio to an agent; `None` passes the base64 payload through untouched.
    Caller {
        uplink: Option<Uplink>,
        to: Direction,
    },
    /// An agent to Twilio.
    Agent {
        downlink: Downlink,
        from: Direction,
        media: MediaWriter,
    },
}

impl Transcoder {
    /// A transcoder for `direction`. `stream_sid` (from Twilio's `start`) addresses the
    /// outbound `media` messages; the caller-to-agent directions ignore it.
    pub fn new(
        direction: Direction,
        openai_audio: OpenAiAudio,
        stream_sid: &str,
    ) -> Result<Self, AudioError> {
        let path = match (direction, openai_audio) {
            (Direction::TwilioToOpenAi, OpenAiAudio::Pcmu) => Path::Caller {
                uplink: None,
                to: direction,
            },
            (Direction::TwilioToOpenAi, OpenAiAudio::Pcm) => Path::Caller {
                uplink: Some(Uplink::new(AgentInput::Pcm24k)?),
                to: direction,
            },
            (Direction::TwilioToGemini, _) => Path::Caller {
                uplink: Some(Uplink::new(AgentInput::Pcm16k)?),
                to: direction,
            },
            (Direction::OpenAiToTwilio | Direction::GeminiToTwilio, _) => {
                let output = match (direction, openai_audio) {
                    (Direction::OpenAiToTwilio, OpenAiAudio::Pcmu) => AgentOutput::Mulaw8k,
                    _ => AgentOutput::Pcm24k,
                };
                Path::Agent {
                    downlink: Downlink::new(output)?,
                    from: direction,
                    media: MediaWriter::new(stream_sid),
                }
            }
        };
        Ok(Self {
            path,
            ranges: Vec::new(),
            skeleton: String::new(),
            audio: Vec::new(),
            level: 0,
        })
    }

    /// Forgets audio held back for the next frame (the agent's side; barge-in: what was not
    /// sent yet must not be played after the interruption). Nothing to forget caller-side.
    pub fn clear(&mut self) {
        if let Path::Agent { downlink, .. } = &mut self.path {
            downlink.clear();
        }
    }

    /// The loudest sample of the last caller frame pushed, as the magnitude of its mu-law code
    /// (0 silence .. 127 full scale); 0 on the agent's side. G.711 codes are logarithmic, so
    /// this reads a level without decoding: 48 is about -36 dBFS, a quiet voice.
    pub fn caller_level(&self) -> u8 {
        self.level
    }

    /// Converts one incoming message and appends what to send now to `out`.
    pub fn push(&mut self, message: &str, out: &mut Messages) -> Result<(), TranscodeError> {
        match &mut self.path {
            Path::Caller { uplink, to } => {
                let Some(payload) = twilio_payload(message, &mut self.ranges, &mut self.skeleton)?
                else {
                    return Ok(());
                };
                let len = decode_at(payload.as_bytes(), &mut self.audio, 0)?;
                let mulaw = &self.audio[..len];
                // mu-law stores the inverted magnitude in the low 7 bits.
                self.level = mulaw.iter().map(|code| !code & 0x7F).max().unwrap_or(0);
                let (prefix, suffix) = match to {
                    Direction::TwilioToGemini => GEMINI_INPUT,
                    _ => OPENAI_APPEND,
                };
                out.text.push_str(prefix);
                match uplink {
                    Some(uplink) => encode_into(uplink.push(mulaw), &mut out.text),
                    None => out.text.push_str(&payload),
                }
                out.text.push_str(suffix);
                out.close();
            }
            Path::Agent {
                downlink,
                from,
                media,
            } => {
                let (ranges, skeleton, audio) =
                    (&mut self.ranges, &mut self.skeleton, &mut self.audio);
                let len = match from {
                    Direction::GeminiToTwilio => gemini_audio(message, ranges, skeleton, audio)?,
                    _ => openai_audio(message, ranges, skeleton, audio)?,
                };
                for frame in downlink.push(&audio[..len]) {
                    media.write(frame, &mut out.text);
                    out.close();
                }
            }
        }
        Ok(())
    }
}

/// The keys of the audio values: Twilio's `payload`, OpenAI's `delta`, Gemini's `data`.
static PAYLOAD: LazyLock<scan::Key> = LazyLock::new(|| scan::Key::new("payload"));
static DELTA: LazyLock<scan::Key> = LazyLock::new(|| scan::Key::new("delta"));
static DATA: LazyLock<scan::Key> = LazyLock::new(|| scan::Key::new("data"));

/// The base64 payload of a Twilio `media` message, `None` for Twilio's other messages.
fn twilio_payload<'m>(
    message: &'m str,
    ranges: &mut Vec<(usize, usize)>,
    skeleton: &mut String,
) -> Result<Option<Cow<'m, str>>, TranscodeError> {
    scan::string_values(message, &PAYLOAD, ranges);
    let Some(&(start, end)) = ranges.first() else {
        // No plain payload: not a media message, or one with escapes that serde must read.
        return Ok(match serde_json::from_str::<Inbound>(message)? {
            Inbound::Media { media, .. } => Some(Cow::Owned(media.payload)),
            _ => None,
        });
    };
    scan::cut_values(message, &ranges[..1], skeleton);
    Ok(Inbound::is_media(skeleton)?.then(|| Cow::Borrowed(&message[start..end])))
}

/// Decodes the audio of an OpenAI `response.output_audio.delta` into the start of `audio` and
/// returns its length (0 for other events).
fn openai_audio(
    message: &str,
    ranges: &mut Vec<(usize, usize)>,
    skeleton: &mut String,
    audio: &mut Vec<u8>,
) -> Result<usize, TranscodeError> {
    scan::string_values(message, &DELTA, ranges);
    let Some(&(start, end)) = ranges.first() else {
        return Ok(match serde_json::from_str(message)? {
            OpenAiServer::AudioDelta { delta } => decode_at(delta.as_bytes(), audio, 0)?,
            OpenAiServer::Other => 0,
        });
    };
    scan::cut_values(message, &ranges[..1], skeleton);
    Ok(if OpenAiServer::is_audio_delta(skeleton)? {
        decode_at(&message.as_bytes()[start..end], audio, 0)?
    } else {
        0
    })
}

/// Decodes every audio part of a Gemini `serverContent` message, in order, into the start of
/// `audio` and returns their length (0 for messages without audio).
fn gemini_audio(
    message: &str,
    ranges: &mut Vec<(usize, usize)>,
    skeleton: &mut String,
    audio: &mut Vec<u8>,
) -> Result<usize, TranscodeError> {
    scan::string_values(message, &DATA, ranges);
    scan::cut_values(message, ranges, skeleton);
    let parsed: GeminiServer = serde_json::from_str(skeleton)?;
    let parts = gemini_audio_parts(&parsed)?;
    let mut len = 0;
    if parts.len() == ranges.len() && parts.iter().all(|data| data.is_empty()) {
        for &(start, end) in ranges.iter() {
            len = decode_at(&message.as_bytes()[start..end], audio, len)?;
        }
        return Ok(len);
    }
    // Some other "data" member, or an escaped value: read the whole message with serde.
    let parsed: GeminiServer = serde_json::from_str(message)?;
    for data in gemini_audio_parts(&parsed)? {
        len = decode_at(data.as_bytes(), audio, len)?;
    }
    Ok(len)
}

#[cfg(test)]
#[path = "transcode_tests.rs"]
mod tests;
