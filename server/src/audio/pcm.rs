//! PCM16 little-endian mono, the sample format of both AI providers: bytes to and from `i16`.
//! Callers keep any odd trailing byte themselves (see `pipeline::Downlink`).

/// Appends the samples of `bytes` (PCM16 little-endian; an odd last byte is ignored) to `out`.
pub fn decode_le(bytes: &[u8], out: &mut Vec<i16>) {
    out.extend(
        bytes
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
    );
}

/// Appends `samples` as PCM16 little-endian bytes to `out`.
pub fn encode_le(samples: &[i16], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + samples.len() * 2, 0);
    for (pair, sample) in out[start..].chunks_exact_mut(2).zip(samples) {
        pair.copy_from_slice(&sample.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_little_endian_and_survive_a_round_trip() {
        let samples = [0i16, 1, -1, 256, i16::MIN, i16::MAX];
        let mut bytes = Vec::new();
        encode_le(&samples, &mut bytes);
        assert_eq!(&bytes[..8], &[0, 0, 1, 0, 0xFF, 0xFF, 0, 1]);
        let mut back = Vec::new();
        decode_le(&bytes, &mut back);
        assert_eq!(back, samples);
    }

    #[test]
    fn an_odd_trailing_byte_is_left_out() {
        let mut back = Vec::new();
        decode_le(&[1, 0, 7], &mut back);
        assert_eq!(back, [1]);
    }
}
