//! The resampler's inner loops over rubato's sinc rows, written so the compiler vectorizes them,
//! and compiled twice: for the baseline CPU and, picked at run time, for AVX2 with FMA.
//! Calling rubato's own dot product once per output sample costs more in calls than in
//! arithmetic (see `resample`); these loops inline into one function per direction.

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

    /// `out[j] = sum over k of taps[k] * wave[j * step + k]`, rounded to `i16` (see `to_i16`),
    /// for every `j` in `out`: one dot product per output (downsampling by `step` computes only
    /// the samples it keeps). `taps.len()` must be a multiple of 8 and `wave` hold
    /// `(out.len() - 1) * step + taps.len()` samples.
    pub(super) fn decimate(self, wave: &[f32], taps: &[f32], step: usize, out: &mut [i16]) {
        if let Some(last) = out.len().checked_sub(1) {
            assert!(
                wave.len() >= last * step + taps.len(),
                "decimate: wave too short"
            );
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: `detect` found AVX2 and FMA on this CPU; the lengths are checked above.
            return unsafe { decimate_avx2_fma(wave, taps, step, out) };
        }
        for (j, sample) in out.iter_mut().enumerate() {
            let mut sums = [0.0f32; 8];
            for (v, tap) in taps.chunks_exact(8).enumerate() {
                let x = &wave[j * step + v * 8..j * step + v * 8 + 8];
                for ((sum, &h), &x) in sums.iter_mut().zip(tap).zip(x) {
                    *sum += h * x;
                }
            }
            *sample = to_i16(sum8(&sums));
        }
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

/// `decimate` with AVX2 intrinsics: eight outputs at a time (eight independent sums keep both
/// FMA units busy), each summed in one vector of eight lanes; every 8 taps are loaded once for
/// the eight. The lanes are added in `sum8`'s order. (Written out: the compiler does not turn
/// the portable form into vector code.)
///
/// # Safety
/// The CPU must have AVX2 and FMA, and `wave` the length `decimate` checks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn decimate_avx2_fma(wave: &[f32], taps: &[f32], step: usize, out: &mut [i16]) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_castps256_ps128, _mm256_cvtps_epi32, _mm256_fmadd_ps,
        _mm256_hadd_ps, _mm256_loadu_ps, _mm256_permute2f128_ps, _mm256_setzero_ps,
        _mm256_storeu_si256, _mm_cvtss_f32,
    };
    let vectors = taps.len() / 8;
    let (x, h) = (wave.as_ptr(), taps.as_ptr());
    let mut j = 0;
    while out.len() - j >= 8 {
        let mut acc: [__m256; 8] = [_mm256_setzero_ps(); 8];
        for v in 0..vectors {
            // SAFETY: v < taps.len() / 8, and output j + o reads wave[(j + o) * step + 8 * v..][..8],
            // within the length checked by `decimate`.
            let tap = unsafe { _mm256_loadu_ps(h.add(v * 8)) };
            for (o, sum) in acc.iter_mut().enumerate() {
                let window = unsafe { _mm256_loadu_ps(x.add((j + o) * step + v * 8)) };
                *sum = _mm256_fmadd_ps(tap, window, *sum);
            }
        }
        // Pairwise within each output, then the two halves: [sum 0, ..., sum 7].
        let quads = |a: usize| {
            _mm256_hadd_ps(
                _mm256_hadd_ps(acc[a], acc[a + 1]),
                _mm256_hadd_ps(acc[a + 2], acc[a + 3]),
            )
        };
        let (low, high) = (quads(0), quads(4));
        let sums = _mm256_add_ps(
            _mm256_permute2f128_ps(low, high, 0x20),
            _mm256_permute2f128_ps(low, high, 0x31),
        );
        // Round to nearest even as `to_i16` does; the sums are far inside the i32 range.
        let mut rounded = [0i32; 8];
        // SAFETY: `rounded` holds eight i32.
        unsafe { _mm256_storeu_si256(rounded.as_mut_ptr().cast(), _mm256_cvtps_epi32(sums)) };
        for (sample, &value) in out[j..j + 8].iter_mut().zip(&rounded) {
            *sample = value.clamp(i16::MIN.into(), i16::MAX.into()) as i16;
        }
        j += 8;
    }
    for (k, sample) in out.iter_mut().enumerate().skip(j) {
        let mut acc = _mm256_setzero_ps();
        for v in 0..vectors {
            // SAFETY: as above, for the single output k.
            let tap = unsafe { _mm256_loadu_ps(h.add(v * 8)) };
            let window = unsafe { _mm256_loadu_ps(x.add(k * step + v * 8)) };
            acc = _mm256_fmadd_ps(tap, window, acc);
        }
        let zero = _mm256_setzero_ps();
        let pairs = _mm256_hadd_ps(_mm256_hadd_ps(acc, zero), zero);
        let sum = _mm256_add_ps(pairs, _mm256_permute2f128_ps(pairs, pairs, 0x01));
        *sample = to_i16(_mm_cvtss_f32(_mm256_castps256_ps128(sum)));
    }
}

/// The sum of eight lanes, pairwise, in the order of the AVX2 reduction.
#[inline(always)]
fn sum8(s: &[f32; 8]) -> f32 {
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
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
    fn both_kernels_compute_the_plain_decimated_sums() {
        let (wave, taps) = signal_and_taps(48);
        for kernels in [Kernels { avx2_fma: false }, Kernels::detect()] {
            for n in [0, 3, 8, 11, 100] {
                let mut out = vec![0; n];
                kernels.decimate(&wave, &taps, 3, &mut out);
                for (j, &got) in out.iter().enumerate() {
                    let expected: f32 = (0..taps.len()).map(|k| taps[k] * wave[3 * j + k]).sum();
                    assert_eq!(got, to_i16(expected), "n {n}, output {j}");
                }
            }
        }
    }
}
