//! Reading the WAV that `espeak-ng --stdout` writes: RIFF chunks walked properly (`fmt ` then
//! `data`, any other chunk skipped, odd sizes padded), 16-bit PCM only, mixed down to mono.
//! A WAV written to a pipe cannot know its length, so espeak-ng puts a huge placeholder in the
//! RIFF and `data` sizes: a `data` chunk longer than the bytes that follow is read to the end.

/// Why some bytes are not a WAV this module reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    /// No `RIFF....WAVE` header.
    #[error("not a RIFF/WAVE file")]
    NotWav,
    /// A chunk header or the `fmt ` chunk is cut short.
    #[error("the WAV is truncated")]
    Truncated,
    /// The `data` chunk came before any `fmt ` chunk, or there is no `data` chunk.
    #[error("the WAV has no {0} chunk")]
    Missing(&'static str),
    /// Not 16-bit integer PCM, or no channels.
    #[error("unsupported WAV format: {0}")]
    Unsupported(String),
}

/// Decoded WAV audio, mono.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavAudio {
    /// Samples per second.
    pub sample_rate: u32,
    /// The samples, channels averaged.
    pub samples: Vec<i16>,
}

/// The `fmt ` fields this reader needs.
#[derive(Debug, Clone, Copy)]
struct Format {
    channels: u16,
    sample_rate: u32,
}

/// `WAVE_FORMAT_PCM` and `WAVE_FORMAT_EXTENSIBLE` (whose sub-format is then PCM for 16 bits).
const FORMAT_PCM: u16 = 1;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Parses a 16-bit PCM WAV.
pub fn parse(bytes: &[u8]) -> Result<WavAudio, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWav);
    }
    let mut format = None;
    let mut at = 12;
    while at < bytes.len() {
        let id = bytes.get(at..at + 4).ok_or(WavError::Truncated)?;
        let size = u32_at(bytes, at + 4).ok_or(WavError::Truncated)? as usize;
        let body = at + 8;
        match id {
            b"fmt " => {
                let chunk = bytes.get(body..body + size).ok_or(WavError::Truncated)?;
                format = Some(read_format(chunk)?);
            }
            b"data" => {
                let format = format.ok_or(WavError::Missing("fmt "))?;
                let end = body.saturating_add(size).min(bytes.len());
                return Ok(read_samples(&bytes[body..end], format));
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = body.saturating_add(size).saturating_add(size & 1);
    }
    Err(WavError::Missing("data"))
}

fn read_format(chunk: &[u8]) -> Result<Format, WavError> {
    let (Some(tag), Some(channels), Some(sample_rate), Some(bits)) = (
        u16_at(chunk, 0),
        u16_at(chunk, 2),
        u32_at(chunk, 4),
        u16_at(chunk, 14),
    ) else {
        return Err(WavError::Truncated);
    };
    if !matches!(tag, FORMAT_PCM | FORMAT_EXTENSIBLE) || bits != 16 {
        return Err(WavError::Unsupported(format!(
            "format tag {tag:#06x}, {bits} bits"
        )));
    }
    if channels == 0 || sample_rate == 0 {
        return Err(WavError::Unsupported(format!(
            "{channels} channels at {sample_rate} Hz"
        )));
    }
    Ok(Format {
        channels,
        sample_rate,
    })
}

/// The whole frames of `data`, channels averaged (a partial last frame is dropped).
fn read_samples(data: &[u8], format: Format) -> WavAudio {
    let channels = usize::from(format.channels);
    let samples = data
        .chunks_exact(2 * channels)
        .map(|frame| {
            let sum: i32 = frame
                .chunks_exact(2)
                .map(|b| i32::from(i16::from_le_bytes([b[0], b[1]])))
                .sum();
            (sum / channels as i32) as i16
        })
        .collect();
    WavAudio {
        sample_rate: format.sample_rate,
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: &[u8; 4], body: &[u8], declared: Option<u32>) -> Vec<u8> {
        let mut out = id.to_vec();
        let size = declared.unwrap_or(body.len() as u32);
        out.extend(size.to_le_bytes());
        out.extend(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn fmt(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut body = Vec::new();
        body.extend(tag.to_le_bytes());
        body.extend(channels.to_le_bytes());
        body.extend(rate.to_le_bytes());
        body.extend((rate * u32::from(align)).to_le_bytes());
        body.extend(align.to_le_bytes());
        body.extend(bits.to_le_bytes());
        chunk(b"fmt ", &body, None)
    }

    fn riff(chunks: &[Vec<u8>], declared: Option<u32>) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut out = b"RIFF".to_vec();
        out.extend(declared.unwrap_or(body.len() as u32 + 4).to_le_bytes());
        out.extend(b"WAVE");
        out.extend(body);
        out
    }

    fn pcm(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn the_data_chunk_is_found_after_other_chunks_even_odd_sized_ones() {
        let wav = riff(
            &[
                chunk(b"LIST", b"INFOabc", None),
                fmt(1, 1, 22_050, 16),
                chunk(b"fact", b"x", None),
                chunk(b"data", &pcm(&[1, -2, 300]), None),
            ],
            None,
        );
        let audio = parse(&wav).expect("parsed");
        assert_eq!(audio.sample_rate, 22_050);
        assert_eq!(audio.samples, [1, -2, 300]);
    }

    #[test]
    fn a_streamed_wav_with_placeholder_sizes_is_read_to_its_end() {
        // What espeak-ng writes to a pipe: RIFF and data sizes of 0x7ffff000.
        let mut wav = riff(
            &[
                fmt(1, 1, 22_050, 16),
                chunk(b"data", &pcm(&[5, 6, 7]), Some(0x7fff_f000)),
            ],
            Some(0x7fff_f024),
        );
        assert_eq!(parse(&wav).expect("parsed").samples, [5, 6, 7]);

        wav.push(0x42); // the pipe closed in the middle of a sample: that half is dropped
        assert_eq!(parse(&wav).expect("parsed").samples, [5, 6, 7]);
    }

    #[test]
    fn stereo_is_mixed_down_to_mono() {
        let wav = riff(
            &[
                fmt(1, 2, 8_000, 16),
                chunk(b"data", &pcm(&[100, 300, -4, -6]), None),
            ],
            None,
        );
        assert_eq!(parse(&wav).expect("parsed").samples, [200, -5]);
    }

    #[test]
    fn other_formats_and_broken_files_are_typed_errors() {
        let data = chunk(b"data", &[0; 4], None);
        let eight_bit = riff(&[fmt(1, 1, 8_000, 8), data.clone()], None);
        let float = riff(&[fmt(3, 1, 8_000, 16), data.clone()], None);
        assert!(matches!(parse(&eight_bit), Err(WavError::Unsupported(_))));
        assert!(matches!(parse(&float), Err(WavError::Unsupported(_))));
        assert_eq!(parse(b"RIFX0000WAVE"), Err(WavError::NotWav));
        assert_eq!(parse(b""), Err(WavError::NotWav));
        assert_eq!(
            parse(&riff(std::slice::from_ref(&data), None)),
            Err(WavError::Missing("fmt "))
        );
        assert_eq!(
            parse(&riff(&[fmt(1, 1, 8_000, 16)], None)),
            Err(WavError::Missing("data"))
        );
        let mut cut = riff(&[fmt(1, 1, 8_000, 16)], None);
        cut.truncate(30);
        assert_eq!(parse(&cut), Err(WavError::Truncated));
    }
}
