//! The demo agent's sounds as mu-law 8 kHz, pure and synchronous: speech synthesized at another
//! rate brought to 8 kHz ([`to_mulaw_8k`]), and the chime said instead when there is no
//! speech synthesizer ([`chime`]).
//!
//! ## Resampling: rubato's `Async` sinc resampler, 128 taps, Blackman-Harris squared
//! espeak-ng speaks at 22,050 Hz, and 22,050 to 8,000 (160/441) is not an integer ratio, which
//! `audio::resample` does not take. rubato's asynchronous sinc resampler takes any ratio: a
//! windowed-sinc low-pass whose cutoff sits below the *output* Nyquist (4 kHz) when
//! downsampling, which is the anti-alias filter, evaluated at each output instant from a table
//! oversampled 256 times with cubic interpolation between table points. 128 taps with the
//! squared Blackman-Harris window and rubato's automatic cutoff (about 0.9 of 4 kHz) reject
//! what lies above 4 kHz by more than mu-law can show (a test checks a 6 kHz tone comes out
//! more than 50 dB down and a 1 kHz one intact). Whole clips are converted at once with
//! `process_all`, which trims the filter's delay. It costs a few milliseconds per second of
//! speech, which the caller runs off the async runtime.

use crate::audio::g711;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

/// The rate of every sound the demo agent emits (Twilio's).
pub const OUTPUT_RATE: u32 = 8_000;

/// Why audio could not be brought to 8 kHz.
#[derive(Debug, thiserror::Error)]
pub enum SoundError {
    /// rubato refused the conversion (e.g. a zero rate).
    #[error("cannot resample {rate} Hz audio: {reason}")]
    Resample { rate: u32, reason: String },
}

/// `samples` at `rate` Hz, resampled to 8 kHz (see the module doc) and encoded to mu-law.
pub fn to_mulaw_8k(samples: &[i16], rate: u32) -> Result<Vec<u8>, SoundError> {
    let resampled = resample_to_8k(samples, rate)?;
    let mut out = Vec::with_capacity(resampled.len());
    g711::encode_into(&resampled, &mut out);
    Ok(out)
}

/// `samples` at `rate` Hz, resampled to 8 kHz.
pub fn resample_to_8k(samples: &[i16], rate: u32) -> Result<Vec<i16>, SoundError> {
    if rate == OUTPUT_RATE || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let failed = |reason: String| SoundError::Resample { rate, reason };
    let parameters = SincInterpolationParameters::new(128, WindowFunction::BlackmanHarris2)
        .oversampling_factor(256)
        .interpolation(SincInterpolationType::Cubic);
    let ratio = f64::from(OUTPUT_RATE) / f64::from(rate);
    let mut resampler = Async::<f32>::new_sinc(ratio, 1.0, &parameters, 1024, 1, FixedAsync::Input)
        .map_err(|e| failed(e.to_string()))?;
    let input: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let adapter =
        InterleavedSlice::new(&input, 1, input.len()).map_err(|e| failed(e.to_string()))?;
    let output = resampler
        .process_all(&adapter, input.len(), None)
        .map_err(|e| failed(e.to_string()))?;
    Ok(output
        .take_data()
        .into_iter()
        .map(|x| (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect())
}

/// Tones of the chime: (frequency in Hz, length in ms).
const CHIME_NOTES: [(f32, u32); 2] = [(660.0, 220), (880.0, 320)];
/// Each note's peak, about -12 dBFS.
const CHIME_PEAK: f32 = 8_000.0;
/// The raised-cosine fade at each end of each note, in ms (no click at the edges).
const CHIME_FADE_MS: u32 = 15;

/// The chime said instead of speech when espeak-ng is absent or fails: two rising sine tones
/// (660 then 880 Hz), each faded in and out, as mu-law 8 kHz.
pub fn chime() -> Vec<u8> {
    let mut samples = Vec::new();
    for (hz, ms) in CHIME_NOTES {
        let len = (OUTPUT_RATE * ms / 1000) as usize;
        let fade = (OUTPUT_RATE * CHIME_FADE_MS / 1000) as usize;
        samples.extend((0..len).map(|i| {
            let edge = i.min(len - 1 - i);
            let gain = if edge < fade {
                0.5 - 0.5 * (std::f32::consts::PI * edge as f32 / fade as f32).cos()
            } else {
                1.0
            };
            let phase = std::f32::consts::TAU * hz * i as f32 / OUTPUT_RATE as f32;
            (CHIME_PEAK * gain * phase.sin()) as i16
        }));
    }
    let mut out = Vec::with_capacity(samples.len());
    g711::encode_into(&samples, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f32, rate: u32, len: usize, peak: f32) -> Vec<i16> {
        (0..len)
            .map(|i| (peak * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin()) as i16)
            .collect()
    }

    /// The power of `hz` in `samples` (Goertzel), normalized by length.
    fn power_at(samples: &[i16], hz: f32, rate: u32) -> f64 {
        let w = std::f64::consts::TAU * f64::from(hz) / f64::from(rate);
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s = f64::from(x) + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / (samples.len() as f64).powi(2)
    }

    fn rms(samples: &[i16]) -> f64 {
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
    }

    fn decode(mulaw: &[u8]) -> Vec<i16> {
        let mut out = Vec::new();
        g711::decode_into(mulaw, &mut out);
        out
    }

    #[test]
    fn speech_at_22050_hz_keeps_its_length_and_its_1_khz_tone() {
        let input = sine(1000.0, 22_050, 22_050, 10_000.0);

        let output = resample_to_8k(&input, 22_050).expect("resampled");

        assert!((output.len() as i64 - 8_000).abs() <= 2, "{}", output.len());
        let middle = &output[1000..7000];
        let ratio = rms(middle) / rms(&input[3000..19000]);
        assert!((ratio - 1.0).abs() < 0.05, "gain {ratio}");
        assert!(power_at(middle, 1000.0, 8_000) > 1e6);
    }

    #[test]
    fn a_6_khz_tone_is_filtered_out_instead_of_folding_to_2_khz() {
        let input = sine(6000.0, 22_050, 22_050, 10_000.0);

        let output = resample_to_8k(&input, 22_050).expect("resampled");

        let middle = &output[1000..7000];
        let db = 20.0 * (rms(middle) / rms(&input)).log10();
        assert!(db < -50.0, "the alias is only {db:.1} dB down");
    }

    #[test]
    fn audio_already_at_8_khz_is_only_encoded() {
        let input = sine(440.0, 8_000, 800, 8_000.0);
        let mut expected = Vec::new();
        g711::encode_into(&input, &mut expected);
        assert_eq!(to_mulaw_8k(&input, 8_000).expect("encoded"), expected);
    }

    #[test]
    fn the_chime_is_two_rising_tones_faded_in_and_out() {
        let samples = decode(&chime());

        assert_eq!(samples.len(), 8 * (220 + 320));
        let (first, second) = samples.split_at(8 * 220);
        assert!(power_at(first, 660.0, 8_000) > 100.0 * power_at(first, 880.0, 8_000));
        assert!(power_at(second, 880.0, 8_000) > 100.0 * power_at(second, 660.0, 8_000));
        assert!(rms(first) > 3_000.0, "audible: {}", rms(first));
        for edge in [
            &samples[..8],
            &samples[samples.len() - 8..],
            &first[first.len() - 4..],
        ] {
            assert!(edge.iter().all(|s| s.abs() < 400), "faded: {edge:?}");
        }
    }
}
