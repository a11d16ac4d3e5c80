//! The resampler's inner loop over rubato's sinc rows, written so the compiler vectorizes them,
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

    #[test]
    fn both_kernels_compute_the_plain_sums() {
        let wave: Vec<f32> = (0..400).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        let taps: Vec<f32> = (0..44)
            .map(|k| ((k * 13) % 7) as f32 * 0.25 - 0.5)
            .collect();
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
}
