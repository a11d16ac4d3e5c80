//! The caller's 20 ms frames: 160 mu-law bytes whose first 16 carry the call, the frame's
//! sequence number and the microsecond it was sent (on the process clock), so the fake provider
//! can match each frame and time it without any shared table. The rest is mu-law silence.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use std::sync::OnceLock;
use std::time::Instant;

/// mu-law bytes in one 20 ms frame at 8 kHz.
pub const FRAME_BYTES: usize = 160;
/// Bytes of the id at the start of a frame.
const ID_BYTES: usize = 16;
/// base64 characters that cover the id (18 bytes, no padding).
const ID_CHARS: usize = 24;

/// Which frame of which call, and when it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameId {
    pub call: u32,
    pub seq: u32,
    pub sent_us: u64,
}

/// Microseconds since the first call of this function in the process.
pub fn now_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let micros = EPOCH.get_or_init(Instant::now).elapsed().as_micros();
    u64::try_from(micros).unwrap_or(u64::MAX)
}

/// The base64 payload of frame `seq` of `call`, stamped now.
pub fn payload(call: u32, seq: u32) -> String {
    let mut bytes = [0xffu8; FRAME_BYTES];
    bytes[..4].copy_from_slice(&call.to_le_bytes());
    bytes[4..8].copy_from_slice(&seq.to_le_bytes());
    bytes[8..ID_BYTES].copy_from_slice(&now_us().to_le_bytes());
    BASE64.encode(bytes)
}

/// The id in a frame's base64 payload (None: not one of ours).
pub fn read(payload: &str) -> Option<FrameId> {
    let mut bytes = [0u8; 18];
    BASE64
        .decode_slice(payload.get(..ID_CHARS)?, &mut bytes)
        .ok()?;
    let word = |range: std::ops::Range<usize>| bytes.get(range);
    Some(FrameId {
        call: u32::from_le_bytes(word(0..4)?.try_into().ok()?),
        seq: u32::from_le_bytes(word(4..8)?.try_into().ok()?),
        sent_us: u64::from_le_bytes(word(8..16)?.try_into().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_s_id_reads_back_from_its_payload() {
        let payload = payload(7, 1234);
        assert_eq!(BASE64.decode(&payload).unwrap().len(), FRAME_BYTES);
        let id = read(&payload).unwrap();
        assert_eq!((id.call, id.seq), (7, 1234));
        assert!(id.sent_us <= now_us());
    }
}
