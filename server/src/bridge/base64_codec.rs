//! Standard base64 (RFC 4648, padded) for the audio hot path: the same results as the `base64`
//! crate's `STANDARD` engine, at SIMD speed. The bulk goes through `base64-simd` (AVX2/SSSE3/NEON
//! picked at run time), which is several times faster than the crate on the 6 to 13 KB audio
//! values of the OpenAI deltas and the 1,280 characters of each append. The last quantum
//! (padding, canonical trailing bits) and every error are left to the `base64` crate, so
//! validation is exactly the crate's.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use base64_simd::AsOut;

/// Appends the base64 of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    base64_simd::STANDARD.encode_append(bytes, out);
}

/// Decodes `text` into `buffer` at `at` and returns where the decoded bytes end. `buffer` only
/// grows (zero-filled once); results and errors are those of the crate's `STANDARD` engine.
pub fn decode_at(
    text: &[u8],
    buffer: &mut Vec<u8>,
    at: usize,
) -> Result<usize, base64::DecodeSliceError> {
    let needed = at + base64::decoded_len_estimate(text.len());
    if buffer.len() < needed {
        buffer.resize(needed, 0);
    }
    // Everything but the last quantum, which may hold padding: no padding inside, so the
    // SIMD decoder (padded variant, whole quanta) takes it as is.
    let fast = if text.len().is_multiple_of(4) {
        text.len().saturating_sub(4)
    } else {
        0
    };
    let end = at + fast / 4 * 3;
    let bulk = base64_simd::STANDARD.decode(&text[..fast], buffer[at..end].as_out());
    // Padding before the last quantum would decode short here: an error for the crate too.
    if bulk.map_or(true, |bytes| bytes.len() != end - at) {
        // Let the crate find and name the error.
        return Ok(at + STANDARD.decode_slice(text, &mut buffer[at..])?);
    }
    Ok(end + STANDARD.decode_slice(&text[fast..], &mut buffer[end..])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(len: usize, seed: u32) -> Vec<u8> {
        (0..len as u32)
            .map(|i| (i.wrapping_mul(2654435761) ^ seed) as u8)
            .collect()
    }

    #[test]
    fn encoding_matches_the_base64_crate_for_every_length() {
        for len in 0..200 {
            let input = bytes(len, 7);
            let mut ours = String::from("x");
            encode_into(&input, &mut ours);
            assert_eq!(
                ours,
                format!("x{}", STANDARD.encode(&input)),
                "length {len}"
            );
        }
    }

    #[test]
    fn decoding_matches_the_base64_crate_on_good_and_bad_text() {
        let mut buffer = Vec::new();
        for len in 0..120 {
            let text = STANDARD.encode(bytes(len, 3));
            let end = decode_at(text.as_bytes(), &mut buffer, 2).unwrap();
            assert_eq!(
                &buffer[2..end],
                STANDARD.decode(&text).unwrap(),
                "length {len}"
            );
        }
        let good = STANDARD.encode(bytes(30, 1));
        let mut bad = vec![good.replace('A', "!"), good[..good.len() - 1].to_owned()];
        bad.push(format!("{good}===="));
        bad.push(format!("{}=AAA{}", &good[..8], &good[12..]));
        bad.push("QR==".to_owned()); // trailing bits set: not canonical
        bad.push(format!("QQ=={good}")); // padding before the end
        for text in bad {
            assert!(
                decode_at(text.as_bytes(), &mut buffer, 0).is_err(),
                "{text}"
            );
            assert!(STANDARD.decode(&text).is_err(), "{text}");
        }
    }
}
