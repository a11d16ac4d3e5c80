//! G.711 mu-law, the codec of Twilio Media Streams (8 kHz, one byte per sample).
//!
//! Decoding is exact and identical in every implementation: a 256-entry table built at compile
//! time from the formula of protocols.md section 6.
//!
//! Encoding follows one named reference, the classic **Sun g711.c encoder in its 16-bit form**
//! (bias 0x84, clip 32635, segment = highest set bit of the biased magnitude among bits 14..7).
//! For negative inputs other encoders (ITU G.191, CPython `audioop`) differ from it by one code at
//! some quantization boundaries; all are valid G.711, and the tests pin this one for all 65,536
//! inputs. The encoder reads the segment from the exponent of an `f32` instead of Sun's table
//! search, so that it vectorizes.

/// Added to the magnitude before finding the segment, so every segment has the same step shape.
const BIAS: i32 = 0x84;
/// Largest magnitude that still fits in the top segment once biased.
const CLIP: i32 = 32635;

/// The decode table, indexed by the mu-law byte.
static DECODE: [i16; 256] = build_decode_table();

const fn build_decode_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        let u = !(code as u8) as i32;
        let t = (((u & 0x0F) << 3) + BIAS) << ((u >> 4) & 7);
        table[code] = if u & 0x80 != 0 {
            (BIAS - t) as i16
        } else {
            (t - BIAS) as i16
        };
        code += 1;
    }
    table
}

/// Decodes one mu-law byte to a 16-bit linear sample (range -32124..=32124).
#[inline]
pub fn decode(code: u8) -> i16 {
    DECODE[code as usize]
}

/// Encodes one 16-bit linear sample to mu-law (Sun g711.c, 16-bit form).
///
/// Sun's segment is the highest set bit of the biased magnitude among bits 7..=14 and its
/// mantissa the four bits below that bit: exactly the exponent and the top four mantissa bits
/// of the magnitude as an `f32` (exact below 2^24). Read that way, with no bit search, the
/// encoder is plain arithmetic that the compiler vectorizes.
#[inline(always)]
pub fn encode(sample: i16) -> u8 {
    let x = sample as i32;
    let sign = ((x >> 24) & 0x80) as u8; // 0x80 for negative inputs
    let magnitude = x.unsigned_abs().min(CLIP as u32) + BIAS as u32; // 132..=32767
    let bits = (magnitude as i32 as f32).to_bits();
    let segment_and_mantissa = ((bits >> 19) - ((127 + 7) << 4)) as u8 & 0x7F;
    !(sign | segment_and_mantissa)
}

/// Appends the decoded samples of `codes` to `out`.
pub fn decode_into(codes: &[u8], out: &mut Vec<i16>) {
    out.extend(codes.iter().map(|&c| DECODE[c as usize]));
}

/// Appends the mu-law codes of `samples` to `out`: eight samples per instruction where the CPU
/// has AVX2 (picked at run time), four on baseline x86-64.
pub fn encode_into(samples: &[i16], out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { encode_into_avx2(samples, out) };
    }
    encode_all(samples, out);
}

#[inline(always)]
fn encode_all(samples: &[i16], out: &mut Vec<u8>) {
    out.extend(samples.iter().map(|&s| encode(s)));
}

/// `encode_all` compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn encode_into_avx2(samples: &[i16], out: &mut Vec<u8>) {
    encode_all(samples, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sun g711.c `linear2ulaw` as written there (segment search over `seg_uend`), scaled to 16
    /// bits as protocols.md section 6 describes: the reference the fast encoder must match.
    fn sun_linear2ulaw_16(pcm: i16) -> u8 {
        const SEG_UEND: [i32; 8] = [0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF];
        let mut pcm_val = pcm as i32;
        let mask: u8 = if pcm_val < 0 {
            pcm_val = -pcm_val;
            0x7F
        } else {
            0xFF
        };
        if pcm_val > CLIP {
            pcm_val = CLIP;
        }
        pcm_val += BIAS;
        let seg = SEG_UEND.iter().position(|&end| pcm_val <= end).unwrap_or(8);
        if seg >= 8 {
            0x7F ^ mask
        } else {
            let uval = ((seg as i32) << 4) | ((pcm_val >> (seg + 3)) & 0xF);
            (uval as u8) ^ mask
        }
    }

    #[test]
    fn every_decode_vector_of_the_protocol_notes_holds() {
        let vectors: [(u8, i16); 11] = [
            (0x00, -32124),
            (0x01, -31100),
            (0x0F, -16764),
            (0x10, -15996),
            (0x7E, -8),
            (0x7F, 0),
            (0x80, 32124),
            (0x81, 31100),
            (0xF0, 120),
            (0xFE, 8),
            (0xFF, 0),
        ];
        for (code, sample) in vectors {
            assert_eq!(decode(code), sample, "decode({code:#04x})");
        }
    }

    #[test]
    fn every_encode_vector_of_the_protocol_notes_holds() {
        let agreed: [(i16, u8); 18] = [
            (0, 0xFF),
            (1, 0xFF),
            (2, 0xFF),
            (8, 0xFE),
            (100, 0xF2),
            (1000, 0xCE),
            (-1000, 0x4E),
            (4000, 0xAF),
            (8031, 0xA0),
            (8159, 0x9F),
            (-8159, 0x1F),
            (16000, 0x90),
            (32124, 0x80),
            (32635, 0x80),
            (32767, 0x80),
            (-32124, 0x00),
            (-32768, 0x00),
            (-5, 0x7E),
        ];
        for (sample, code) in agreed {
            assert_eq!(encode(sample), code, "encode({sample})");
        }
        // Where the references disagree, this encoder gives Sun's answer.
        let sun_column: [(i16, u8); 4] = [(-1, 0x7F), (-4, 0x7E), (-100, 0x72), (-31611, 0x01)];
        for (sample, code) in sun_column {
            assert_eq!(encode(sample), code, "encode({sample}) must follow Sun");
        }
    }

    #[test]
    fn the_round_trip_vector_encodes_and_decodes_as_documented() {
        let input: [i16; 8] = [0, 1000, -1000, 5000, -5000, 20000, -20000, 32767];
        let mut codes = Vec::new();
        encode_into(&input, &mut codes);
        assert_eq!(hex::encode(&codes), "ffce4eab2b8c0c80");
        let mut decoded = Vec::new();
        decode_into(&codes, &mut decoded);
        assert_eq!(decoded, [0, 988, -988, 5116, -5116, 19836, -19836, 32124]);
    }

    #[test]
    fn the_fast_encoder_matches_sun_g711_for_all_65536_inputs() {
        let mismatches: Vec<i16> = (i16::MIN..=i16::MAX)
            .filter(|&x| encode(x) != sun_linear2ulaw_16(x))
            .collect();
        assert!(
            mismatches.is_empty(),
            "differs at {:?}",
            &mismatches[..mismatches.len().min(10)]
        );
    }

    #[test]
    fn decode_matches_the_formula_and_every_code_survives_a_round_trip() {
        for code in 0..=255u8 {
            let u = !code as i32;
            let t = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7);
            let expected = if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 };
            assert_eq!(decode(code) as i32, expected, "code {code:#04x}");
            // 0x7F is negative zero: it encodes back as 0xFF, which decodes to the same 0.
            assert_eq!(
                decode(encode(decode(code))),
                decode(code),
                "code {code:#04x}"
            );
        }
    }
}
