//! Standard base64 (RFC 4648, padded) for the audio hot path: the same results as the `base64`
//! crate's `STANDARD` engine, in about half the instructions. Encoding looks up two output
//! characters per 12 input bits; decoding ORs four pre-shifted table entries per four characters
//! and checks them all at once. The last quantum (padding, canonical trailing bits) and every
//! error are left to the crate, so validation is exactly the crate's.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Two characters for every 12-bit value.
static PAIRS: [[u8; 2]; 4096] = {
    let mut table = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
        i += 1;
    }
    table
};

/// Marks a character outside the alphabet (any bit above the 24 data bits).
const INVALID: u32 = 0xFF00_0000;

/// For each of the four positions in a quantum: the character's 6 bits, shifted into place.
static DECODE: [[u32; 256]; 4] = {
    let mut table = [[INVALID; 256]; 4];
    let mut i = 0;
    while i < 64 {
        let c = ALPHABET[i] as usize;
        let v = i as u32;
        table[0][c] = v << 18;
        table[1][c] = v << 12;
        table[2][c] = v << 6;
        table[3][c] = v;
        i += 1;
    }
    table
};

/// Appends the base64 of `bytes` to `out`; `scratch` is a reused byte buffer.
pub fn encode_into(bytes: &[u8], scratch: &mut Vec<u8>, out: &mut String) {
    let whole = bytes.len() / 3 * 3;
    scratch.clear();
    scratch.resize(whole / 3 * 4, 0);
    for (chars, group) in scratch.chunks_exact_mut(4).zip(bytes.chunks_exact(3)) {
        let n = (group[0] as usize) << 16 | (group[1] as usize) << 8 | group[2] as usize;
        let [a, b] = PAIRS[n >> 12];
        let [c, d] = PAIRS[n & 0xFFF];
        chars.copy_from_slice(&[a, b, c, d]);
    }
    // Every byte written is from the alphabet: ASCII, so valid UTF-8.
    out.push_str(std::str::from_utf8(scratch).unwrap_or_default());
    STANDARD.encode_string(&bytes[whole..], out);
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
    let fast = if text.len().is_multiple_of(4) {
        text.len().saturating_sub(4)
    } else {
        0
    };
    let mut end = at;
    let mut valid = true;
    for (quantum, bytes) in text[..fast]
        .chunks_exact(4)
        .zip(buffer[at..].chunks_exact_mut(3))
    {
        let n = DECODE[0][quantum[0] as usize]
            | DECODE[1][quantum[1] as usize]
            | DECODE[2][quantum[2] as usize]
            | DECODE[3][quantum[3] as usize];
        valid &= n & INVALID == 0;
        bytes.copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        end += 3;
    }
    if !valid {
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
        let mut scratch = Vec::new();
        for len in 0..200 {
            let input = bytes(len, 7);
            let mut ours = String::from("x");
            encode_into(&input, &mut scratch, &mut ours);
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
        for text in bad {
            assert!(
                decode_at(text.as_bytes(), &mut buffer, 0).is_err(),
                "{text}"
            );
            assert!(STANDARD.decode(&text).is_err(), "{text}");
        }
    }
}
