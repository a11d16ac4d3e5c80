//! Tests of `resample`: tone fidelity, exact lengths, chunking, rejection, and equality with
//! rubato's own `Async` resampler.

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
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
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
        assert!(
            worst < 25.0,
            "{conversion:?}: off the ideal tone by {worst}"
        );
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
        let (from, to) = (
            conversion.input_rate() as usize,
            conversion.output_rate() as usize,
        );
        let mut resampler = StreamResampler::new(conversion).unwrap();
        let mut out = Vec::new();
        let input = noise(from * 20, 1);
        for (n, frame) in input.chunks(from / 50).enumerate() {
            resampler.process(frame, &mut out);
            assert_eq!(
                out.len(),
                (n + 1) * to / 50,
                "{conversion:?} after frame {n}"
            );
        }
        // Chunks of any size: L outputs per input up, one per M inputs (from the first) down.
        let mut resampler = StreamResampler::new(conversion).unwrap();
        let (mut fed, mut out) = (0usize, Vec::new());
        for (k, chunk) in input.chunks(1 + from / 50 * 3 / 7).enumerate().take(2000) {
            let chunk = &chunk[..chunk.len() - k % 5];
            resampler.process(chunk, &mut out);
            fed += chunk.len();
            let expected = if to > from {
                fed * (to / from)
            } else {
                fed.div_ceil(from / to)
            };
            assert_eq!(out.len(), expected, "{conversion:?} after {fed} samples");
        }
    }
}

#[test]
fn chunked_output_is_identical_to_one_shot_output_so_frame_edges_cannot_click() {
    for conversion in ALL {
        let input = noise(conversion.input_rate() as usize, 2);
        let mut whole = Vec::new();
        StreamResampler::new(conversion)
            .unwrap()
            .process(&input, &mut whole);
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
            assert!(
                rejection > 60.0,
                "{conversion:?} image at {image}: {rejection:.1} dB"
            );
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
        let (_, written) = rubato
            .process_into_buffer(&input, &mut output, None)
            .unwrap();
        out.extend(scratch[..written].iter().map(|&s| s.round() as i16));
    }
    out
}

/// The largest difference between `ours` and `theirs` over the middle of both, with `theirs`
/// shifted by `shift` samples (positive: later, negative: earlier).
fn max_difference(ours: &[i16], theirs: &[i16], shift: isize) -> i32 {
    let len = ours.len().min(theirs.len()) as isize - 64;
    (1000..len)
        .map(|i| (i32::from(ours[i as usize]) - i32::from(theirs[(i + shift) as usize])).abs())
        .max()
        .unwrap_or(i32::MAX)
}

#[test]
fn the_output_is_rubatos_own_sinc_resampling_of_the_same_filter() {
    for conversion in ALL {
        let input = noise(conversion.input_rate() as usize, 4);
        let ours = by_frames(conversion, &input);
        let down = (conversion.input_rate() / conversion.output_rate()).max(1) as usize;
        // rubato starts at another phase and delay: look for the alignment where all agree.
        let closest = (0..down)
            .flat_map(|pad| {
                let mut padded = vec![0i16; pad];
                padded.extend_from_slice(
                    &input[..input.len() - conversion.input_rate() as usize / 50],
                );
                let theirs = through_rubato_async(conversion, &padded);
                let ours = &ours;
                (-63..64).map(move |shift| max_difference(ours, &theirs, shift))
            })
            .min()
            .unwrap_or(i32::MAX);
        // Upsampling runs rubato's f32 taps (rounding apart, the same samples); downsampling
        // runs them rounded to 16 bits (`fir::FixedTaps`): 2 LSB at most on a signal of +-12000.
        let tolerance = if down > 1 { 2 } else { 1 };
        assert!(
            closest <= tolerance,
            "{conversion:?} differs from rubato's Async resampler by {closest} LSB"
        );
    }
}
