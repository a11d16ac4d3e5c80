//! Streaming sample-rate conversion for the bridge: [`StreamResampler`], one per direction per
//! call. It keeps the filter's memory across frames, takes input of any length (normally one
//! 20 ms frame), holds nothing back beyond the filter's own delay and gives exact lengths:
//! upsampling by `L` gives exactly `L` samples per input sample, downsampling by `M` gives one
//! sample per `M` inputs, counted from the first (so `n` whole frames in give `n` frames out).
//!
//! ## The filter: rubato's windowed sinc, 120 taps at 24 kHz, Blackman-Harris, cutoff 0.95
//! Every conversion here meets the telephone band at 8 kHz, so all three use one low-pass,
//! 120 taps at 24 kHz (`sinc_len` 40 at 8 kHz for the upsamplers, 120 at 24 kHz for the
//! downsampler), a Blackman-Harris window and `f_cutoff` 0.95 (3.8 kHz). Its response, computed
//! from rubato's own table: -0.3 dB at 3.4 kHz, -6 dB at 3.8 kHz, -57 dB at 4.4 kHz and below
//! -109 dB from 4.6 kHz on; its delay is half its length, 2.5 ms. Measured end to end with
//! `quality_probe.py` through `orderline replay` (README, Benchmarks, "Bridge transcode"):
//! alias rejection beyond what mu-law can show (the 6 kHz tone comes out as digital silence),
//! image rejection 95.5 dB, held back 0.0 ms, click shift 2.5 ms each way (goal: >= 60 dB,
//! <= 3 ms; pipecat-ai: 72 / 89 dB at 82.5 ms). Shorter filters were weighed: 96 taps (2 ms)
//! still gives -65 dB at 4.6 kHz but -0.6 dB at 3.4 kHz; 72 taps (1.5 ms) only -49 dB at
//! 4.6 kHz. BlackmanHarris2 and Blackman2 roll off too early at these lengths; plain Blackman's
//! sidelobes (-58 dB) are too close to the goal.
//!
//! ## How rubato is driven, and why not through its `Async` resampler
//! Both ratios are integers, so every output sample falls on one of `L` sinc phases: rubato's
//! `make_interpolator` builds exactly that table (oversampling factor `L`, one row per phase)
//! and picks its AVX/SSE/NEON dot product at run time. Its `Async` resampler with `Nearest`
//! interpolation computes the same samples (a test checks this), but walks a floating-point
//! position and goes through its buffer adapters for every output sample, and its first call
//! returns a few samples short, which would hold a whole Twilio frame back downstream. Measured
//! on 10 minutes of audio here, 8 to 24 kHz took 0.37 s of CPU through `Async` and 0.12 s
//! through the loop below, which walks the phases with integers: no drift, no lead-in, no
//! chunking (any input length works; 20 ms frames in practice).

use super::AudioError;
use rubato::sinc_interpolator::{make_interpolator, AnyInterpolator, SincInterpolator};
use rubato::WindowFunction;

/// The three conversions the bridge needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Twilio 8 kHz to Gemini Live input, 16 kHz.
    Up8kTo16k,
    /// Twilio 8 kHz to OpenAI Realtime `audio/pcm` input, 24 kHz.
    Up8kTo24k,
    /// Either provider's 24 kHz output to Twilio 8 kHz.
    Down24kTo8k,
}

impl Conversion {
    /// Input sample rate in Hz.
    pub fn input_rate(self) -> u32 {
        match self {
            Conversion::Up8kTo16k | Conversion::Up8kTo24k => 8_000,
            Conversion::Down24kTo8k => 24_000,
        }
    }

    /// Output sample rate in Hz.
    pub fn output_rate(self) -> u32 {
        match self {
            Conversion::Up8kTo16k => 16_000,
            Conversion::Up8kTo24k => 24_000,
            Conversion::Down24kTo8k => 8_000,
        }
    }

    /// The filter this conversion uses (the module doc says why).
    pub fn filter(self) -> SincFilter {
        let window = WindowFunction::BlackmanHarris;
        match self {
            // 40 taps at 8 kHz: the same 120 taps at 24 kHz as the way down.
            Conversion::Up8kTo16k | Conversion::Up8kTo24k => SincFilter {
                sinc_len: 40,
                f_cutoff: 0.95,
                window,
            },
            Conversion::Down24kTo8k => SincFilter {
                sinc_len: 120,
                f_cutoff: 0.95,
                window,
            },
        }
    }
}

/// A windowed-sinc low-pass in rubato's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SincFilter {
    /// Taps at the input rate (rubato rounds it up to a multiple of 8); half is the delay.
    pub sinc_len: usize,
    /// Cutoff relative to the lower of the two Nyquist frequencies (4 kHz for every conversion
    /// here); the windowed sinc is 6 dB down there.
    pub f_cutoff: f32,
    /// The window that shapes the sinc.
    pub window: WindowFunction,
}

/// One direction of one call: converts a stream of `i16` samples between two fixed rates whose
/// ratio is an integer or the inverse of one.
pub struct StreamResampler {
    /// rubato's polyphase table (one row per output phase) and its SIMD dot product.
    sincs: AnyInterpolator<f32>,
    /// Filter length in input samples.
    taps: usize,
    /// Upsampling factor (1 when downsampling).
    up: usize,
    /// Downsampling factor (1 when upsampling).
    down: usize,
    /// Input sample rate in Hz (for `delay_seconds`).
    input_rate: u32,
    /// The last `taps` input samples (the filter's memory, zeros at the start), then new input.
    wave: Vec<f32>,
    /// Downsampling: position in `wave` of the input sample that the next output belongs to.
    next: usize,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("taps", &self.taps)
            .field("up", &self.up)
            .field("down", &self.down)
            .finish_non_exhaustive()
    }
}

impl StreamResampler {
    /// A resampler for `conversion` with its chosen filter.
    pub fn new(conversion: Conversion) -> Result<Self, AudioError> {
        Self::with_filter(
            conversion.input_rate(),
            conversion.output_rate(),
            conversion.filter(),
        )
    }

    /// A resampler from `from` Hz to `to` Hz with any filter. One rate must be a whole multiple
    /// of the other, so that every output sample falls exactly on one precomputed sinc phase.
    pub fn with_filter(from: u32, to: u32, filter: SincFilter) -> Result<Self, AudioError> {
        let integer_ratio = from > 0 && to > 0 && (to % from == 0 || from % to == 0);
        if !integer_ratio {
            return Err(AudioError::UnsupportedRatio { from, to });
        }
        let up = (to / from).max(1) as usize;
        let down = (from / to).max(1) as usize;
        let sincs = make_interpolator::<f32>(
            filter.sinc_len,
            to as f64 / from as f64,
            Some(filter.f_cutoff),
            up,
            filter.window,
        );
        let taps = sincs.nbr_points();
        Ok(Self {
            sincs,
            taps,
            up,
            down,
            input_rate: from,
            wave: vec![0.0; taps],
            next: taps,
        })
    }

    /// How far the output lags the input, in seconds (the filter's group delay). This is all
    /// the latency the resampler adds: nothing is held back.
    pub fn delay_seconds(&self) -> f64 {
        let input_samples = if self.up > 1 {
            self.taps / 2
        } else {
            self.taps / 2 - 1
        };
        input_samples as f64 / self.input_rate as f64
    }

    /// Resamples `input` and appends the result to `output`.
    pub fn process(&mut self, input: &[i16], output: &mut Vec<i16>) {
        self.wave.extend(input.iter().map(|&s| s as f32));
        let fresh = self.wave.len() - self.taps;
        let sincs = self.sincs.get_sincs();
        if self.up > 1 {
            output.reserve(fresh * self.up);
            for i in 0..fresh {
                // Phase 0 sits on input sample i + taps/2 (row up-1); phases p >= 1 fall p/up
                // after it (rows p-1, one sample further on).
                output.push(to_i16(self.sincs.get_sinc_dot_product(
                    &self.wave,
                    i,
                    &sincs[self.up - 1],
                )));
                for row in &sincs[..self.up - 1] {
                    output.push(to_i16(self.sincs.get_sinc_dot_product(&self.wave, i + 1, row)));
                }
            }
        } else {
            // Output j belongs to input sample j*down and is computed as soon as it arrives.
            while self.next < self.wave.len() {
                let start = self.next + 1 - self.taps;
                output.push(to_i16(self.sincs.get_sinc_dot_product(&self.wave, start, &sincs[0])));
                self.next += self.down;
            }
            self.next -= fresh;
        }
        self.wave.drain(..fresh);
    }

    /// Forgets the filter's memory, as for a new stream (e.g. after a barge-in).
    pub fn reset(&mut self) {
        self.wave.clear();
        self.wave.resize(self.taps, 0.0);
        self.next = self.taps;
    }
}

/// Rounds to the nearest `i16`, saturating (float-to-int `as` saturates).
#[inline]
fn to_i16(sample: f32) -> i16 {
    sample.round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use rubato::audioadapter_buffers::direct::SequentialSlice;
    use rubato::{Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType};
    use std::f64::consts::PI;

    const ALL: [Conversion; 3] = [
        Conversion::Up8kTo16k,
        Conversion::Up8kTo24k,
        Conversion::Down24kTo8k,
    ];

    fn sine(freq: f64, rate: u32, samples: usize, amplitude: f64, delay: f64) -> Vec<f64> {
        (0..samples)
            .map(|n| amplitude * (2.0 * PI * freq * (n as f64 / rate as f64 - delay)).sin())
            .collect()
    }

    fn to_i16(signal: &[f64]) -> Vec<i16> {
        signal.iter().map(|&x| x.round() as i16).collect()
    }

    /// A deterministic noise-like signal (a linear congruential generator).
    fn noise(samples: usize, seed: u64) -> Vec<i16> {
        let mut state = seed;
        (0..samples)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) as i32 % 12000) as i16
            })
            .collect()
    }

    /// Feeds `input` in 20 ms frames and returns everything that came out.
    fn by_frames(conversion: Conversion, input: &[i16]) -> Vec<i16> {
        let mut resampler = StreamResampler::new(conversion).unwrap();
        let mut out = Vec::new();
        for frame in input.chunks((conversion.input_rate() / 50) as usize) {
            resampler.process(frame, &mut out);
        }
        out
    }

    /// The level of `freq` in `signal` (Hann-windowed single DFT bin), in dB relative to 1.
    fn level_db(signal: &[i16], rate: u32, freq: f64) -> f64 {
        let n = signal.len() as f64;
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &x) in signal.iter().enumerate() {
            let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n).cos();
            let phase = 2.0 * PI * freq * i as f64 / rate as f64;
            re += w * x as f64 * phase.cos();
            im -= w * x as f64 * phase.sin();
        }
        20.0 * ((re * re + im * im).sqrt() / n).max(1e-12).log10()
    }

    #[test]
    fn a_tone_keeps_its_frequency_amplitude_and_stated_delay_across_many_frames() {
        for conversion in ALL {
            let (from, to) = (conversion.input_rate(), conversion.output_rate());
            let input = to_i16(&sine(1000.0, from, from as usize * 2, 10_000.0, 0.0));
            let out = by_frames(conversion, &input);
            let delay = StreamResampler::new(conversion).unwrap().delay_seconds();
            let ideal = sine(1000.0, to, out.len(), 10_000.0, delay);
            // Skip the first 10 ms, where the filter is still filling with the tone.
            let skip = to as usize / 100;
            let worst = out[skip..]
                .iter()
                .zip(&ideal[skip..])
                .map(|(&y, &x)| (y as f64 - x).abs())
                .fold(0.0, f64::max);
            assert!(worst < 25.0, "{conversion:?}: off the ideal tone by {worst}");
            // The same comparison one output sample late fails: the delay is exact.
            let late = sine(1000.0, to, out.len(), 10_000.0, delay + 1.0 / to as f64);
            let worst_late = out[skip..]
                .iter()
                .zip(&late[skip..])
                .map(|(&y, &x)| (y as f64 - x).abs())
                .fold(0.0, f64::max);
            assert!(worst_late > 1000.0, "{conversion:?}: delay not pinned down");
        }
    }

    #[test]
    fn output_length_is_exact_after_every_frame_and_every_odd_chunk() {
        for conversion in ALL {
            let (from, to) = (conversion.input_rate() as usize, conversion.output_rate() as usize);
            let mut resampler = StreamResampler::new(conversion).unwrap();
            let mut out = Vec::new();
            let input = noise(from * 20, 1);
            for (n, frame) in input.chunks(from / 50).enumerate() {
                resampler.process(frame, &mut out);
                assert_eq!(out.len(), (n + 1) * to / 50, "{conversion:?} after frame {n}");
            }
            // Chunks of any size: L outputs per input up, one per M inputs (from the first) down.
            let mut resampler = StreamResampler::new(conversion).unwrap();
            let (mut fed, mut out) = (0usize, Vec::new());
            for (k, chunk) in input.chunks(1 + from / 50 * 3 / 7).enumerate().take(2000) {
                let chunk = &chunk[..chunk.len() - k % 5];
                resampler.process(chunk, &mut out);
                fed += chunk.len();
                let expected = if to > from { fed * (to / from) } else { fed.div_ceil(from / to) };
                assert_eq!(out.len(), expected, "{conversion:?} after {fed} samples");
            }
        }
    }

    #[test]
    fn chunked_output_is_identical_to_one_shot_output_so_frame_edges_cannot_click() {
        for conversion in ALL {
            let input = noise(conversion.input_rate() as usize, 2);
            let mut whole = Vec::new();
            StreamResampler::new(conversion).unwrap().process(&input, &mut whole);
            let mut chunked = Vec::new();
            let mut resampler = StreamResampler::new(conversion).unwrap();
            let mut at = 0;
            for size in [1usize, 7, 160, 479, 480, 2, 3333].iter().cycle() {
                if at >= input.len() {
                    break;
                }
                let end = (at + size).min(input.len());
                resampler.process(&input[at..end], &mut chunked);
                at = end;
            }
            assert_eq!(whole, chunked, "{conversion:?}");
        }
    }

    #[test]
    fn reset_starts_a_fresh_stream() {
        let input = noise(8000, 3);
        let mut resampler = StreamResampler::new(Conversion::Up8kTo24k).unwrap();
        let mut first = Vec::new();
        resampler.process(&input, &mut first);
        resampler.reset();
        let mut second = Vec::new();
        resampler.process(&input, &mut second);
        assert_eq!(first, second);
    }

    #[test]
    fn the_downsampler_rejects_a_6_khz_tone_by_more_than_60_db() {
        let tone = to_i16(&sine(6000.0, 24_000, 48_000, 16_000.0, 0.0));
        let reference = to_i16(&sine(1000.0, 24_000, 48_000, 16_000.0, 0.0));
        let aliased = by_frames(Conversion::Down24kTo8k, &tone);
        let passed = by_frames(Conversion::Down24kTo8k, &reference);
        // 6 kHz folds to 2 kHz at 8 kHz.
        let rejection = level_db(&passed, 8000, 1000.0) - level_db(&aliased, 8000, 2000.0);
        assert!(rejection > 60.0, "alias rejection {rejection:.1} dB");
    }

    #[test]
    fn the_upsamplers_reject_the_images_of_a_1_khz_tone_by_more_than_60_db() {
        let tone = to_i16(&sine(1000.0, 8000, 16_000, 16_000.0, 0.0));
        for (conversion, images) in [
            (Conversion::Up8kTo24k, &[7000.0, 9000.0][..]),
            (Conversion::Up8kTo16k, &[7000.0][..]),
        ] {
            let out = by_frames(conversion, &tone);
            let rate = conversion.output_rate();
            let signal = level_db(&out, rate, 1000.0);
            for &image in images {
                let rejection = signal - level_db(&out, rate, image);
                assert!(rejection > 60.0, "{conversion:?} image at {image}: {rejection:.1} dB");
            }
        }
    }

    /// The same filter run through rubato's own `Async` resampler (Nearest interpolation, one
    /// 20 ms chunk per call).
    fn through_rubato_async(conversion: Conversion, input: &[i16]) -> Vec<i16> {
        let (from, to) = (conversion.input_rate(), conversion.output_rate());
        let filter = conversion.filter();
        let parameters = SincInterpolationParameters::new(filter.sinc_len, filter.window)
            .f_cutoff(filter.f_cutoff)
            .oversampling_factor((to / from).max(1) as usize)
            .interpolation(SincInterpolationType::Nearest);
        let chunk = (from / 50) as usize;
        let mut rubato = Async::<f32>::new_sinc(
            to as f64 / from as f64,
            1.0,
            &parameters,
            chunk,
            1,
            FixedAsync::Input,
        )
        .unwrap();
        let mut scratch = vec![0.0f32; rubato.output_frames_max()];
        let mut out = Vec::new();
        let samples: Vec<f32> = input.iter().map(|&s| s as f32).collect();
        for frame in samples.chunks_exact(chunk) {
            let input = SequentialSlice::new(frame, 1, chunk).unwrap();
            let capacity = scratch.len();
            let mut output = SequentialSlice::new_mut(&mut scratch[..], 1, capacity).unwrap();
            let (_, written) = rubato.process_into_buffer(&input, &mut output, None).unwrap();
            out.extend(scratch[..written].iter().map(|&s| s.round() as i16));
        }
        out
    }

    #[test]
    fn the_output_is_rubatos_own_sinc_resampling_of_the_same_filter() {
        for conversion in ALL {
            let input = noise(conversion.input_rate() as usize, 4);
            let ours = by_frames(conversion, &input);
            let down = (conversion.input_rate() / conversion.output_rate()).max(1) as usize;
            // rubato starts at another phase and delay: look for the alignment where all agree.
            let aligned = (0..down).any(|pad| {
                let mut padded = vec![0i16; pad];
                padded.extend_from_slice(&input[..input.len() - conversion.input_rate() as usize / 50]);
                let theirs = through_rubato_async(conversion, &padded);
                (0..64).any(|shift| {
                    (1000..theirs.len().min(ours.len()) - 64)
                        .all(|i| (ours[i] as i32 - theirs[i + shift] as i32).abs() <= 1)
                        || (1000..theirs.len().min(ours.len()) - 64)
                            .all(|i| (ours[i + shift] as i32 - theirs[i] as i32).abs() <= 1)
                })
            });
            assert!(aligned, "{conversion:?} differs from rubato's Async resampler");
        }
    }
}
