//! Streaming sample-rate conversion for the bridge: [`StreamResampler`], one per direction per
//! call. It keeps the filter's memory across frames, takes input of any length (normally one
//! 20 ms frame), holds nothing back beyond the filter's own delay and gives exact lengths:
//! upsampling by `L` gives exactly `L` samples per input sample, downsampling by `M` gives one
//! sample per `M` inputs, counted from the first (so `n` whole frames in give `n` frames out).
//!
//! ## The filter: rubato's windowed sinc, 72 taps at 24 kHz, Blackman-Harris, cutoff 0.95
//! Every conversion here meets the telephone band at 8 kHz, so all three use one low-pass,
//! 72 taps at 24 kHz (`sinc_len` 24 at 8 kHz for the upsamplers, 72 at 24 kHz for the
//! downsampler), a Blackman-Harris window and `f_cutoff` 0.95 (3.8 kHz). Its response, computed
//! from rubato's formula: -0.1 dB at 3 kHz, -1.3 dB at 3.4 kHz, -6 dB at 3.8 kHz, -39 dB at
//! 4.6 kHz, below -87 dB from 5 kHz and -111 dB from 5.5 kHz on; its delay is half its length,
//! 1.5 ms. Measured end to end with `quality_probe.py` through `orderline replay` (README,
//! Benchmarks, "Bridge transcode"): alias rejection beyond what mu-law can show (the 6 kHz tone
//! comes out as digital silence), image rejection 91.8 dB, held back 0.0 ms, click shift 1.5 ms
//! each way (goal: >= 60 dB, <= 3 ms; pipecat-ai: 72 / 89 dB at 82.5 ms). The price of the
//! shorter filter is its transition band: agent audio between 4.2 and 5 kHz folds into 3 to
//! 3.8 kHz only 17 to 87 dB down, where the 120 taps used before (2.5 ms) gave 30 to 110 dB; it
//! costs 40 % less CPU in both directions, which the bridge's CPU goal (issue 10) needed.
//! 96 taps (2 ms) would give -65 dB at 4.6 kHz. BlackmanHarris2 and Blackman2 roll off too
//! early at these lengths; plain Blackman's sidelobes (-58 dB) are too close to the goal.
//!
//! ## How rubato is used, and why not through its `Async` resampler
//! Both ratios are integers, so every output sample falls on one of `L` sinc phases. rubato's
//! `make_interpolator` builds exactly that table (its windowed sinc, oversampling factor `L`,
//! one row per phase), and this module runs the rows over the input itself: upsampling is one
//! correlation per phase, downsampling one dot product per output it keeps (its row rounded to
//! 16 bits, `fir::FixedTaps`), both in `fir`'s vector loops. rubato's `Async` resampler with
//! `Nearest` interpolation computes the same samples from the same table (a test checks this:
//! within 1 LSB up, 2 LSB down for the rounded taps), but it walks a
//! floating-point position and calls its dot product and buffer adapters once per output
//! sample, and its first call returns a few samples short, which would hold a whole Twilio
//! frame back downstream. On 10 minutes of 8 to 24 kHz here it took 0.37 s of CPU through
//! `Async`, 0.12 s calling rubato's AVX dot product per sample from an integer loop, and 0.04 to
//! 0.05 s in the vector loops (24 to 8 kHz: the same), which the bridge's CPU goal needed. Integer phases also
//! mean no drift, no lead-in and no chunking: any input length works (20 ms frames in practice).

use super::fir::{FixedTaps, Kernels};
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
            // 24 taps at 8 kHz: the same 72 taps at 24 kHz as the way down.
            Conversion::Up8kTo16k | Conversion::Up8kTo24k => SincFilter {
                sinc_len: 24,
                f_cutoff: 0.95,
                window,
            },
            Conversion::Down24kTo8k => SincFilter {
                sinc_len: 72,
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
    /// Upsampling: the last `taps` input samples (the filter's memory, zeros at the start),
    /// then new input.
    wave: Vec<f32>,
    /// Downsampling: the filter's row in 16-bit fixed point (`fir::FixedTaps`), padded in front.
    fixed: FixedTaps,
    /// Downsampling: as `wave`, the samples as they came, with `fixed.window_len()` of memory.
    samples: Vec<i16>,
    /// Downsampling: position in `samples` of the input sample that the next output belongs to.
    next: usize,
    /// Upsampling: the outputs of each phase before rounding (reused).
    phase: Vec<f32>,
    /// The vector loops for this CPU.
    kernels: Kernels,
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
        let integer_ratio =
            from > 0 && to > 0 && (to.is_multiple_of(from) || from.is_multiple_of(to));
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
        let fixed = FixedTaps::new(if down > 1 { &sincs.get_sincs()[0] } else { &[] });
        let memory = fixed.window_len();
        Ok(Self {
            sincs,
            taps,
            up,
            down,
            input_rate: from,
            wave: vec![0.0; taps],
            samples: vec![0; memory],
            next: memory,
            fixed,
            phase: Vec::new(),
            kernels: Kernels::detect(),
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
        if self.up > 1 {
            self.upsample(input, output)
        } else {
            self.downsample(input, output)
        }
    }

    /// Upsampling: one correlation per phase over the `f32` samples, then interleaved.
    fn upsample(&mut self, input: &[i16], output: &mut Vec<i16>) {
        self.kernels.widen(input, &mut self.wave);
        let fresh = self.wave.len() - self.taps;
        let rows = self.sincs.get_sincs();
        let base = output.len();
        // All phases first (phase p of input i at `phase[p * fresh + i]`), then interleaved.
        self.phase.resize(fresh * self.up, 0.0);
        for (p, out) in self.phase.chunks_exact_mut(fresh.max(1)).enumerate() {
            // Phase 0 sits on input sample i + taps/2 (row up-1); phases p >= 1 fall p/up
            // after it (rows p-1, one sample further on).
            let (row, offset) = if p == 0 { (self.up - 1, 0) } else { (p - 1, 1) };
            self.kernels
                .correlate(&self.wave[offset..], &rows[row], out);
        }
        output.resize(base + fresh * self.up, 0);
        self.kernels
            .interleave(&self.phase, fresh, &mut output[base..]);
        self.wave.drain(..fresh);
    }

    /// Downsampling: output j belongs to input sample j*down and is computed as soon as it
    /// arrives: out[j] = sum over k of row[k] * samples[first + j*down + k], one fixed-point dot
    /// product each (the row's zero padding reaches back before its first tap).
    fn downsample(&mut self, input: &[i16], output: &mut Vec<i16>) {
        self.samples.extend_from_slice(input);
        let memory = self.fixed.window_len();
        let fresh = input.len();
        let base = output.len();
        let count = self
            .samples
            .len()
            .saturating_sub(self.next)
            .div_ceil(self.down);
        let first = self.next + 1 - memory;
        output.resize(base + count, 0);
        self.kernels.decimate(
            &self.samples[first..],
            &self.fixed,
            self.down,
            &mut output[base..],
        );
        self.next = self.next + count * self.down - fresh;
        self.samples.drain(..fresh);
    }

    /// Forgets the filter's memory, as for a new stream (e.g. after a barge-in).
    pub fn reset(&mut self) {
        self.wave.clear();
        self.wave.resize(self.taps, 0.0);
        self.samples.clear();
        self.samples.resize(self.fixed.window_len(), 0);
        self.next = self.fixed.window_len();
    }
}

#[cfg(test)]
#[path = "resample_tests.rs"]
mod tests;
