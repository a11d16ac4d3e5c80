//! The resampler's inner loops over rubato's sinc rows, written so the compiler vectorizes them,
//! and compiled twice: for the baseline CPU and, picked at run time, for AVX2 with FMA.
//! Calling rubato's own dot product once per output sample costs more in calls than in
//! arithmetic (see `resample`); these loops inline into one function per direction. The
//! upsamplers run the rows in `f32`; the downsampler runs its row rounded to 16 bits
//! ([`FixedTaps`]) with `vpmaddwd`, twice the multiply-adds per instruction of an `f32` FMA,
//! in exact integer arithmetic (both kernels give the same samples).

/// The vector kernels available on this CPU.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kernels {
    /// AVX2 and FMA are present (x86-64 only).
    avx2_fma: bool,
}

impl Kernels {
    /// Looks at the CPU once.
    pub(super) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        let avx2_fma = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2_fma = false;
        Self { avx2_fma }
    }

    /// `out[j] = sum over k of taps[k] * wave[j + k]`, for every `j` in `out`.
    /// `wave` must hold at least `out.len() + taps.len() - 1` samples.
    pub(super) fn correlate(self, wave: &[f32], taps: &[f32], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: `detect` found AVX2 and FMA on this CPU.
            return unsafe { correlate_avx2_fma(wave, taps, out) };
        }
        correlate_with::<false>(wave, taps, out);
    }

    /// `out[j] = (sum over k of taps[k] * wave[j * step + k]) >> shift`, rounded to nearest and
    /// saturated to `i16`, for every `j` in `out`: one dot product per output (downsampling by
    /// `step` computes only the samples it keeps), in exact integer arithmetic, so every kernel
    /// gives the same samples. `taps.len()` must be a multiple of 16, `taps` (see
    /// [`FixedTaps`]) keep every sum inside `i32`, and `wave` hold
    /// `(out.len() - 1) * step + taps.len()` samples.
    pub(super) fn decimate(self, wave: &[i16], taps: &FixedTaps, step: usize, out: &mut [i16]) {
        if let Some(last) = out.len().checked_sub(1) {
            assert!(
                wave.len() >= last * step + taps.taps.len(),
                "decimate: wave too short"
            );
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: `detect` found AVX2 and FMA on this CPU; the lengths are checked above.
            return unsafe { decimate_avx2(wave, taps, step, out) };
        }
        for (j, sample) in out.iter_mut().enumerate() {
            *sample = taps.output(&wave[j * step..]);
        }
    }
}

/// A filter's taps in fixed point for [`Kernels::decimate`]: `taps[k] = round(h[k] * 2^shift)`
/// with the largest `shift` (at most 16) that keeps each tap in `i16` and every possible sum of
/// products in `i32` (the sum of the taps' magnitudes times 32768 below 2^31), zeros in front
/// to a multiple of 16 taps (the first input samples of each window count for nothing). With a
/// 72-tap low-pass, 16 bits of tap precision put its quantization some 90 dB down, far below
/// what mu-law keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedTaps {
    /// The taps, padded in front to a multiple of 16.
    taps: Vec<i16>,
    /// The binary point: a sum of products is shifted right by this much.
    shift: u32,
}

impl FixedTaps {
    /// `taps` in fixed point.
    pub fn new(taps: &[f32]) -> Self {
        let magnitude: f64 = taps.iter().map(|&h| f64::from(h).abs()).sum();
        let peak = taps.iter().fold(0.0f64, |m, &h| m.max(f64::from(h).abs()));
        // Each tap rounds up by half a step at most.
        let rounding = taps.len() as f64 * 0.5;
        // The largest sum, plus the half added when rounding it, must stay below 2^31.
        let fits = |shift: u32| {
            let scale = f64::from(1u32 << shift);
            let largest = (magnitude * scale + rounding) * 32_768.0 + scale / 2.0;
            peak * scale <= 32_767.0 && largest < 2_147_483_648.0
        };
        // Shift 0 only for taps no 16-bit filter can hold (their sums would saturate).
        let shift = (1..=16).rev().find(|&s| fits(s)).unwrap_or(0);
        let pad = taps.len().next_multiple_of(16) - taps.len();
        let scale = f64::from(1u32 << shift);
        let fixed = std::iter::repeat_n(0, pad)
            .chain(taps.iter().map(|&h| (f64::from(h) * scale).round() as i16))
            .collect();
        Self { taps: fixed, shift }
    }

    /// How many input samples each output reads: the taps, the padding included.
    pub fn window_len(&self) -> usize {
        self.taps.len()
    }

    /// One output sample: the taps over the start of `wave`, rounded (see [`Self::round`]).
    #[inline(always)]
    fn output(&self, wave: &[i16]) -> i16 {
        let sum: i32 = wave[..self.taps.len()]
            .iter()
            .zip(&self.taps)
            .map(|(&x, &h)| i32::from(x) * i32::from(h))
            .sum();
        self.round(sum)
    }

    /// A sum of products back to a sample: shifted with rounding to nearest, saturated.
    #[inline(always)]
    fn round(&self, sum: i32) -> i16 {
        let half = (1i32 << self.shift) >> 1;
        ((sum + half) >> self.shift).clamp(i16::MIN.into(), i16::MAX.into()) as i16
    }
}

impl Kernels {
    /// Appends `input` to `wave` as `f32`.
    pub(super) fn widen(self, input: &[i16], wave: &mut Vec<f32>) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: `detect` found AVX2 and FMA on this CPU.
            return unsafe { widen_avx2(input, wave) };
        }
        widen_with(input, wave);
    }

    /// Writes `phases` (`phases.len() / n` runs of `n` samples) interleaved into `out`,
    /// rounded: `out[i * up + p] = phases[p * n + i]`. `out` holds `phases.len()` samples.
    pub(super) fn interleave(self, phases: &[f32], n: usize, out: &mut [i16]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: `detect` found AVX2 and FMA on this CPU.
            return unsafe { interleave_avx2(phases, n, out) };
        }
        interleave_with(phases, n, out);
    }
}

#[inline(always)]
fn widen_with(input: &[i16], wave: &mut Vec<f32>) {
    wave.extend(input.iter().map(|&s| f32::from(s)));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn widen_avx2(input: &[i16], wave: &mut Vec<f32>) {
    widen_with(input, wave);
}

/// Indexed loops over slices cut to length first, so that the compiler sees no bounds to check
/// and vectorizes the strided stores.
#[inline(always)]
fn interleave_with(phases: &[f32], n: usize, out: &mut [i16]) {
    if n == 0 {
        return;
    }
    let up = phases.len() / n;
    let out = &mut out[..up * n];
    match up {
        2 => {
            let (a, b) = (&phases[..n], &phases[n..2 * n]);
            for i in 0..n {
                out[2 * i] = to_i16(a[i]);
                out[2 * i + 1] = to_i16(b[i]);
            }
        }
        3 => {
            let (a, b, c) = (&phases[..n], &phases[n..2 * n], &phases[2 * n..3 * n]);
            for i in 0..n {
                out[3 * i] = to_i16(a[i]);
                out[3 * i + 1] = to_i16(b[i]);
                out[3 * i + 2] = to_i16(c[i]);
            }
        }
        _ => {
            for (p, run) in phases.chunks_exact(n).enumerate() {
                for (sample, &value) in out[p..].iter_mut().step_by(up).zip(run) {
                    *sample = to_i16(value);
                }
            }
        }
    }
}

/// `interleave` with AVX2 for two and three phases (16 and 24 kHz from 8 kHz): eight samples of
/// each phase rounded at once (`cvtps` rounds to nearest even, as `to_i16`; `packs` saturates,
/// as its cast), then shuffled into place; the rest as `interleave_with`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn interleave_avx2(phases: &[f32], n: usize, out: &mut [i16]) {
    use std::arch::x86_64::{
        __m128i, _mm256_castsi256_si128, _mm256_cvtps_epi32, _mm256_extracti128_si256,
        _mm256_loadu_ps, _mm_loadu_si128, _mm_or_si128, _mm_packs_epi32, _mm_shuffle_epi8,
        _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi16,
    };
    let up = phases.len().checked_div(n).unwrap_or(0);
    if !(up == 2 || up == 3) || out.len() < up * n {
        return interleave_with(phases, n, out);
    }
    // Eight rounded, saturated i16 from phase `p` at `i`.
    let load = |p: usize, i: usize| -> __m128i {
        let run = &phases[p * n + i..p * n + i + 8];
        // SAFETY: `run` holds eight f32.
        let wide = _mm256_cvtps_epi32(unsafe { _mm256_loadu_ps(run.as_ptr()) });
        _mm_packs_epi32(
            _mm256_castsi256_si128(wide),
            _mm256_extracti128_si256::<1>(wide),
        )
    };
    let store = |at: usize, value: __m128i, out: &mut [i16]| {
        let slot = &mut out[at..at + 8];
        // SAFETY: `slot` holds eight i16.
        unsafe { _mm_storeu_si128(slot.as_mut_ptr().cast(), value) };
    };
    let blocks = n / 8;
    if up == 2 {
        for block in 0..blocks {
            let (a, b) = (load(0, block * 8), load(1, block * 8));
            store(block * 16, _mm_unpacklo_epi16(a, b), out);
            store(block * 16 + 8, _mm_unpackhi_epi16(a, b), out);
        }
    } else {
        // Byte shuffles placing a, b and c (eight i16 each) into the 24 interleaved samples;
        // -1 leaves a zero for the other two to fill.
        const MASKS: [[[i8; 16]; 3]; 3] = shuffle_masks();
        // SAFETY: each mask is 16 bytes.
        let mask = |o: usize, p: usize| unsafe { _mm_loadu_si128(MASKS[o][p].as_ptr().cast()) };
        for block in 0..blocks {
            let i = block * 8;
            let abc = [load(0, i), load(1, i), load(2, i)];
            for o in 0..3 {
                let part = |p: usize| _mm_shuffle_epi8(abc[p], mask(o, p));
                let value = _mm_or_si128(_mm_or_si128(part(0), part(1)), part(2));
                store(block * 24 + o * 8, value, out);
            }
        }
    }
    for i in blocks * 8..n {
        for p in 0..up {
            out[i * up + p] = to_i16(phases[p * n + i]);
        }
    }
}

/// `MASKS[o][p]`: the `pshufb` mask that moves phase `p`'s samples into output vector `o` of a
/// 24-sample block (sample `s` of the block is phase `s % 3`, input `s / 3`).
const fn shuffle_masks() -> [[[i8; 16]; 3]; 3] {
    let mut masks = [[[-1i8; 16]; 3]; 3];
    let mut s = 0;
    while s < 24 {
        let (o, lane) = (s / 8, s % 8);
        let (p, i) = (s % 3, s / 3);
        masks[o][p][2 * lane] = (2 * i) as i8;
        masks[o][p][2 * lane + 1] = (2 * i + 1) as i8;
        s += 1;
    }
    masks
}

/// `decimate` with AVX2 intrinsics: eight outputs at a time, each summed in one vector of
/// eight `i32` lanes by `vpmaddwd` (sixteen 16-bit products per instruction, added in pairs:
/// twice the taps of an `f32` FMA per instruction, half the bytes loaded); every 16 taps are
/// loaded once for the eight outputs. The lanes are then added across, rounded and packed.
///
/// # Safety
/// The CPU must have AVX2, and `wave` the length `decimate` checks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn decimate_avx2(wave: &[i16], taps: &FixedTaps, step: usize, out: &mut [i16]) {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_castsi256_si128, _mm256_extracti128_si256,
        _mm256_hadd_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_permute2x128_si256,
        _mm256_set1_epi32, _mm256_setzero_si256, _mm256_sra_epi32, _mm_cvtsi32_si128,
        _mm_packs_epi32, _mm_storeu_si128,
    };
    let vectors = taps.taps.len() / 16;
    let (x, h) = (wave.as_ptr(), taps.taps.as_ptr());
    let half = _mm256_set1_epi32((1i32 << taps.shift) >> 1);
    let shift = _mm_cvtsi32_si128(taps.shift as i32);
    let mut j = 0;
    while out.len() - j >= 8 {
        let mut acc: [__m256i; 8] = [_mm256_setzero_si256(); 8];
        for v in 0..vectors {
            // SAFETY: v < taps.len() / 16, and output j + o reads
            // wave[(j + o) * step + 16 * v..][..16], within the length checked by `decimate`.
            let tap = unsafe { _mm256_loadu_si256(h.add(v * 16).cast()) };
            for (o, sum) in acc.iter_mut().enumerate() {
                let window = unsafe { _mm256_loadu_si256(x.add((j + o) * step + v * 16).cast()) };
                *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(window, tap));
            }
        }
        // Pairwise within each output, then the two halves: [sum 0, ..., sum 7].
        let quads = |a: usize| {
            _mm256_hadd_epi32(
                _mm256_hadd_epi32(acc[a], acc[a + 1]),
                _mm256_hadd_epi32(acc[a + 2], acc[a + 3]),
            )
        };
        let (low, high) = (quads(0), quads(4));
        let sums = _mm256_add_epi32(
            _mm256_permute2x128_si256::<0x20>(low, high),
            _mm256_permute2x128_si256::<0x31>(low, high),
        );
        // As `FixedTaps::round`: add half, shift arithmetically, saturate to i16.
        let shifted = _mm256_sra_epi32(_mm256_add_epi32(sums, half), shift);
        let packed = _mm_packs_epi32(
            _mm256_castsi256_si128(shifted),
            _mm256_extracti128_si256::<1>(shifted),
        );
        let slot = &mut out[j..j + 8];
        // SAFETY: `slot` holds eight i16.
        unsafe { _mm_storeu_si128(slot.as_mut_ptr().cast(), packed) };
        j += 8;
    }
    for (k, sample) in out.iter_mut().enumerate().skip(j) {
        *sample = taps.output(&wave[k * step..]);
    }
}

/// Rounds to the nearest `i16` (ties to even), saturating. Adding and removing 1.5 * 2^23 makes
/// the FPU round (exact for |x| < 2^22, far beyond any sample); `f32::round` would be a libm call
/// per sample on baseline x86-64, and the float-to-int `as` saturates.
#[inline(always)]
pub(super) fn to_i16(sample: f32) -> i16 {
    const ROUNDING: f32 = 12_582_912.0;
    ((sample + ROUNDING) - ROUNDING) as i16
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn correlate_avx2_fma(wave: &[f32], taps: &[f32], out: &mut [f32]) {
    correlate_with::<true>(wave, taps, out);
}

/// `a * b + c`, fused where the CPU has FMA (without it `mul_add` would call libm).
#[inline(always)]
fn mul_add<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// 32 outputs at a time, then 8, one per vector lane: four independent accumulators keep the
/// FMA units busy, and there are no horizontal sums.
#[inline(always)]
fn correlate_with<const FMA: bool>(wave: &[f32], taps: &[f32], out: &mut [f32]) {
    let mut done = 0;
    while out.len() - done >= 32 {
        let acc = block::<32, FMA>(&wave[done..], taps);
        out[done..done + 32].copy_from_slice(&acc);
        done += 32;
    }
    while out.len() - done >= 8 {
        let acc = block::<8, FMA>(&wave[done..], taps);
        out[done..done + 8].copy_from_slice(&acc);
        done += 8;
    }
    for (j, sample) in out[done..].iter_mut().enumerate() {
        *sample = dot::<FMA>(&wave[done + j..], taps);
    }
}

/// `N` consecutive outputs of `correlate`, starting at `wave[0]`.
#[inline(always)]
fn block<const N: usize, const FMA: bool>(wave: &[f32], taps: &[f32]) -> [f32; N] {
    let mut acc = [0.0f32; N];
    let window = &wave[..taps.len() + N - 1];
    for (k, &tap) in taps.iter().enumerate() {
        let x = &window[k..k + N];
        for lane in 0..N {
            acc[lane] = mul_add::<FMA>(tap, x[lane], acc[lane]);
        }
    }
    acc
}

/// `sum over k of taps[k] * wave[k]` (for the few outputs left after the blocks).
#[inline(always)]
fn dot<const FMA: bool>(wave: &[f32], taps: &[f32]) -> f32 {
    wave[..taps.len()]
        .iter()
        .zip(taps)
        .fold(0.0, |acc, (&x, &h)| mul_add::<FMA>(h, x, acc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test signal and `taps` taps, both in quarters so that every sum is exact.
    fn signal_and_taps(taps: usize) -> (Vec<f32>, Vec<f32>) {
        let wave = (0..400).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        let taps = (0..taps)
            .map(|k| ((k * 13) % 7) as f32 * 0.25 - 0.5)
            .collect();
        (wave, taps)
    }

    #[test]
    fn both_kernels_compute_the_plain_sums() {
        let (wave, taps) = signal_and_taps(44);
        for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
            for n in [0, 5, 8, 77] {
                let mut out = vec![0.0; n];
                kernels.correlate(&wave, &taps, &mut out);
                for (j, &got) in out.iter().enumerate() {
                    let expected: f32 = (0..taps.len()).map(|k| taps[k] * wave[j + k]).sum();
                    assert!((got - expected).abs() < 1e-3, "n {n}, output {j}");
                }
            }
        }
    }

    #[test]
    fn both_kernels_interleave_and_round_alike() {
        for up in [2usize, 3, 4] {
            for n in [0usize, 5, 8, 19, 160] {
                let phases: Vec<f32> = (0..up * n)
                    .map(|k| (k as f32 * 977.25) % 80_000.0 - 40_000.5 + (k % 2) as f32)
                    .collect();
                let expected: Vec<i16> = (0..up * n)
                    .map(|s| to_i16(phases[(s % up) * n + s / up]))
                    .collect();
                for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
                    let mut out = vec![0i16; up * n];
                    kernels.interleave(&phases, n, &mut out);
                    assert_eq!(out, expected, "up {up}, n {n}");
                }
            }
        }
    }

    #[test]
    fn both_kernels_compute_the_same_rounded_fixed_point_sums() {
        let wave: Vec<i16> = (0..600)
            .map(|i| ((i * 7919) % 65_536 - 32_768) as i16)
            .collect();
        let taps: Vec<f32> = (0..72)
            .map(|k| ((k * 13) % 7) as f32 * 0.011 - 0.03)
            .collect();
        let fixed = FixedTaps::new(&taps);
        assert_eq!(fixed.taps.len(), 80);
        for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
            for n in [0, 3, 8, 11, 100, 173] {
                let mut out = vec![0; n];
                kernels.decimate(&wave, &fixed, 3, &mut out);
                for (j, &got) in out.iter().enumerate() {
                    let sum: i64 = (0..80)
                        .map(|k| i64::from(fixed.taps[k]) * i64::from(wave[3 * j + k]))
                        .sum();
                    let half = (1i64 << fixed.shift) >> 1;
                    let expected = ((sum + half) >> fixed.shift).clamp(-32768, 32767);
                    assert_eq!(i64::from(got), expected, "n {n}, output {j}");
                }
            }
        }
    }

    #[test]
    fn fixed_taps_keep_every_sum_inside_i32_even_at_full_scale() {
        // A filter whose taps add up to far more than 1 gets a smaller binary point.
        let loud = FixedTaps::new(&[0.9f32; 40]);
        let bound: i64 = loud.taps.iter().map(|&h| i64::from(h).abs()).sum::<i64>() * 32_768;
        assert!(bound < i64::from(i32::MAX), "{bound}");
        let wave = vec![i16::MIN; 48];
        for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
            let mut out = vec![0; 1];
            kernels.decimate(&wave, &loud, 3, &mut out);
            assert_eq!(out, [i16::MIN], "saturated, not wrapped");
        }
        // Every sum at its largest, plus the rounding half, still fits: three taps of -10922
        // (one bit less than 16 would need) on -32768 give +32766, not a wrapped -32768.
        let negative = FixedTaps::new(&[-0.333_322f32; 3]);
        for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
            let mut out = vec![0; 1];
            kernels.decimate(&[i16::MIN; 16], &negative, 3, &mut out);
            assert_eq!(out, [32_766], "shift {}", negative.shift);
        }
        let fine = FixedTaps::new(&[0.25f32, -0.49, 0.25]);
        assert_eq!(fine.shift, 16);
        assert_eq!(&fine.taps[13..], &[16_384, -32_113, 16_384]);
        // -0.5 would be -32768 at 16 bits: one bit less.
        assert_eq!(FixedTaps::new(&[0.25f32, -0.5, 0.25]).shift, 15);
    }
}
