//! The per-call sample paths of the bridge, one struct per direction, reusing their buffers from
//! frame to frame:
//! - [`Uplink`]: the caller's mu-law 8 kHz (Twilio) to the agent's input format;
//! - [`Downlink`]: the agent's output to mu-law 8 kHz cut in 20 ms Twilio frames of 160 bytes.

use super::{g711, pcm, AudioError, Conversion, StreamResampler};

/// Bytes in one 20 ms Twilio frame of mu-law 8 kHz.
pub const TWILIO_FRAME_BYTES: usize = 160;

/// The audio format an agent takes as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentInput {
    /// PCM16 little-endian 24 kHz (OpenAI Realtime `audio/pcm`).
    Pcm24k,
    /// PCM16 little-endian 16 kHz (Gemini Live `audio/pcm;rate=16000`).
    Pcm16k,
    /// mu-law 8 kHz, passed through untouched (OpenAI Realtime `audio/pcmu`).
    Mulaw8k,
}

/// The audio format an agent produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentOutput {
    /// PCM16 little-endian 24 kHz (OpenAI `audio/pcm`, Gemini Live).
    Pcm24k,
    /// mu-law 8 kHz (OpenAI `audio/pcmu`): only cut into frames.
    Mulaw8k,
}

/// Caller to agent: decodes mu-law, resamples, encodes PCM16 (or passes mu-law through).
#[derive(Debug)]
pub struct Uplink {
    /// `None` for the mu-law passthrough.
    resampler: Option<StreamResampler>,
    decoded: Vec<i16>,
    resampled: Vec<i16>,
    bytes: Vec<u8>,
}

impl Uplink {
    /// A caller-to-agent path for an agent that takes `input`.
    pub fn new(input: AgentInput) -> Result<Self, AudioError> {
        let resampler = match input {
            AgentInput::Pcm24k => Some(StreamResampler::new(Conversion::Up8kTo24k)?),
            AgentInput::Pcm16k => Some(StreamResampler::new(Conversion::Up8kTo16k)?),
            AgentInput::Mulaw8k => None,
        };
        Ok(Self {
            resampler,
            decoded: Vec::with_capacity(TWILIO_FRAME_BYTES),
            resampled: Vec::with_capacity(TWILIO_FRAME_BYTES * 3),
            bytes: Vec::with_capacity(TWILIO_FRAME_BYTES * 6),
        })
    }

    /// Converts caller audio (mu-law 8 kHz, normally one 20 ms frame) and returns what to send
    /// to the agent now: PCM16 LE at the agent's rate, or `mulaw` itself for the passthrough.
    /// It is empty while less than a whole frame has arrived.
    pub fn push<'a>(&'a mut self, mulaw: &'a [u8]) -> &'a [u8] {
        let Some(resampler) = self.resampler.as_mut() else {
            return mulaw;
        };
        self.decoded.clear();
        g711::decode_into(mulaw, &mut self.decoded);
        self.resampled.clear();
        resampler.process(&self.decoded, &mut self.resampled);
        self.bytes.clear();
        pcm::encode_le(&self.resampled, &mut self.bytes);
        &self.bytes
    }
}

/// Agent to caller: PCM16 24 kHz (or mu-law) in chunks of any size, out as whole 160-byte
/// mu-law frames. A partial frame waits for the next chunk; nothing is padded or flushed.
#[derive(Debug)]
pub struct Downlink {
    /// `None` when the agent already sends mu-law 8 kHz.
    resampler: Option<StreamResampler>,
    /// The first byte of a sample split across two chunks.
    odd_byte: Option<u8>,
    decoded: Vec<i16>,
    resampled: Vec<i16>,
    /// mu-law not yet sent: the whole frames returned by the last push, then a partial frame.
    mulaw: Vec<u8>,
    /// Bytes at the start of `mulaw` that the last push returned (dropped on the next one).
    returned: usize,
}

impl Downlink {
    /// An agent-to-caller path for an agent that produces `output`.
    pub fn new(output: AgentOutput) -> Result<Self, AudioError> {
        let resampler = match output {
            AgentOutput::Pcm24k => Some(StreamResampler::new(Conversion::Down24kTo8k)?),
            AgentOutput::Mulaw8k => None,
        };
        Ok(Self {
            resampler,
            odd_byte: None,
            decoded: Vec::new(),
            resampled: Vec::new(),
            mulaw: Vec::new(),
            returned: 0,
        })
    }

    /// Takes one chunk of agent audio and returns the Twilio frames (160 bytes of mu-law each)
    /// that are complete now.
    pub fn push(&mut self, audio: &[u8]) -> std::slice::ChunksExact<'_, u8> {
        self.mulaw.drain(..self.returned);
        match self.resampler.as_mut() {
            None => self.mulaw.extend_from_slice(audio),
            Some(resampler) => {
                self.decoded.clear();
                let mut bytes = audio;
                if let Some(low) = self.odd_byte.take() {
                    match bytes.split_first() {
                        Some((&high, rest)) => {
                            self.decoded.push(i16::from_le_bytes([low, high]));
                            bytes = rest;
                        }
                        None => self.odd_byte = Some(low),
                    }
                }
                pcm::decode_le(bytes, &mut self.decoded);
                if bytes.len() % 2 == 1 {
                    self.odd_byte = bytes.last().copied();
                }
                self.resampled.clear();
                resampler.process(&self.decoded, &mut self.resampled);
                g711::encode_into(&self.resampled, &mut self.mulaw);
            }
        }
        self.returned = self.mulaw.len() - self.mulaw.len() % TWILIO_FRAME_BYTES;
        self.mulaw[..self.returned].chunks_exact(TWILIO_FRAME_BYTES)
    }

    /// Drops the audio not yet sent and the resampler's memory (barge-in: with Twilio's
    /// `clear`), so the next response starts clean.
    pub fn clear(&mut self) {
        self.mulaw.clear();
        self.returned = 0;
        self.odd_byte = None;
        if let Some(resampler) = self.resampler.as_mut() {
            resampler.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcm24k_tone(samples: usize) -> Vec<u8> {
        let tone: Vec<i16> = (0..samples)
            .map(|n| (8000.0 * (n as f64 * 2.0 * std::f64::consts::PI / 24.0).sin()) as i16)
            .collect();
        let mut bytes = Vec::new();
        pcm::encode_le(&tone, &mut bytes);
        bytes
    }

    #[test]
    fn one_twilio_frame_becomes_20_ms_of_pcm16_at_the_agents_rate() {
        let frame = [0x80u8; TWILIO_FRAME_BYTES];
        let mut to_openai = Uplink::new(AgentInput::Pcm24k).unwrap();
        assert_eq!(to_openai.push(&frame).len(), 960);
        let mut to_gemini = Uplink::new(AgentInput::Pcm16k).unwrap();
        assert_eq!(to_gemini.push(&frame).len(), 640);
        let mut passthrough = Uplink::new(AgentInput::Mulaw8k).unwrap();
        assert_eq!(passthrough.push(&frame), frame);
    }

    #[test]
    fn agent_audio_split_anywhere_gives_the_same_whole_frames() {
        let audio = pcm24k_tone(24_000);
        let mut whole = Downlink::new(AgentOutput::Pcm24k).unwrap();
        let expected: Vec<u8> = whole.push(&audio).flatten().copied().collect();
        assert_eq!(expected.len(), 8000);
        let mut split = Downlink::new(AgentOutput::Pcm24k).unwrap();
        let mut got = Vec::new();
        for chunk in audio.chunks(1001) {
            for frame in split.push(chunk) {
                assert_eq!(frame.len(), TWILIO_FRAME_BYTES);
                got.extend_from_slice(frame);
            }
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn after_clear_the_next_response_comes_out_as_from_a_fresh_downlink() {
        let audio = pcm24k_tone(1201);
        let mut fresh = Downlink::new(AgentOutput::Pcm24k).unwrap();
        let expected: Vec<u8> = fresh.push(&audio[..1920]).flatten().copied().collect();
        let mut used = Downlink::new(AgentOutput::Pcm24k).unwrap();
        let _ = used.push(&audio[..1001]).count();
        used.clear();
        let got: Vec<u8> = used.push(&audio[..1920]).flatten().copied().collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn mulaw_from_the_agent_is_cut_into_frames_and_the_rest_waits() {
        let mut downlink = Downlink::new(AgentOutput::Mulaw8k).unwrap();
        let audio: Vec<u8> = (0..=255u8).cycle().take(500).collect();
        let frames: Vec<Vec<u8>> = downlink.push(&audio).map(<[u8]>::to_vec).collect();
        assert_eq!(frames, [&audio[..160], &audio[160..320], &audio[320..480]]);
        let more: Vec<u8> = (0..140).collect();
        let next: Vec<Vec<u8>> = downlink.push(&more).map(<[u8]>::to_vec).collect();
        assert_eq!(next.len(), 1);
        assert_eq!(&next[0][..20], &audio[480..]);
        assert_eq!(&next[0][20..], &more[..]);
    }
}
