//! The run's figures, printed as a short report ending with the verdict: no frame lost and the
//! p99 delay under 10 ms.

use crate::caller::CallReport;
use crate::fakes::Heard;
use crate::Options;
use std::time::Duration;

/// The p99 delay the bridge may add, at most.
const P99_LIMIT_MS: f64 = 10.0;

/// What a run measured.
pub struct Measured {
    pub options: Options,
    pub calls: Vec<CallReport>,
    pub heard: Vec<Heard>,
    pub rss_before_kib: u64,
    pub rss_peak_kib: u64,
    /// CPU time (user + system) while the calls ran.
    pub cpu: Duration,
    /// Wall time from the first answer to the last call's end.
    pub wall: Duration,
}

/// The value at `q` (0..=1) of sorted microseconds, in ms.
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

fn line_ms(label: &str, sorted: &[u32]) {
    println!(
        "{label} (ms): p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        quantile_ms(sorted, 0.5),
        quantile_ms(sorted, 0.9),
        quantile_ms(sorted, 0.99),
        quantile_ms(sorted, 0.999),
        quantile_ms(sorted, 1.0)
    );
}

/// The values, sorted.
fn sorted<'a>(values: impl Iterator<Item = &'a u32>) -> Vec<u32> {
    let mut values: Vec<u32> = values.copied().collect();
    values.sort_unstable();
    values
}

/// Frames the provider heard of each call, by call index.
fn heard_per_call(measured: &Measured) -> Vec<u64> {
    let mut heard = vec![0u64; measured.calls.len()];
    for h in &measured.heard {
        if let Some(slot) = h.call.and_then(|c| heard.get_mut(c as usize)) {
            *slot += h.frames;
        }
    }
    heard
}

/// Prints the report; whether the run holds the figures.
pub fn print(m: &Measured) -> bool {
    let o = m.options;
    println!(
        "bridge-load: {} calls x {} s, ramp {:.1} s, 20 ms frames (tokio interval, MissedTickBehavior::Burst)",
        o.calls, o.seconds, o.ramp_seconds
    );
    let failed: Vec<(usize, &str)> = (m.calls.iter().enumerate())
        .filter_map(|(i, c)| c.error.as_deref().map(|e| (i, e)))
        .collect();
    for (index, error) in failed.iter().take(5) {
        println!("call {index} failed: {error}");
    }
    let sent: u64 = m.calls.iter().map(|c| c.sent).sum();
    let per_call = heard_per_call(m);
    let heard: u64 = per_call.iter().sum();
    let lossy = (m.calls.iter().zip(&per_call))
        .filter(|(c, h)| c.sent != **h)
        .count();
    let out_of_order: u64 = m.heard.iter().map(|h| h.out_of_order).sum();
    // A session not closed within the collection wait is missing here: its frames count as lost.
    println!(
        "provider sessions recorded (closed): {} of {} calls",
        m.heard.len(),
        m.calls.len()
    );
    println!(
        "frames: sent {sent}, received by the provider {heard}, lost {}; calls with a loss {lossy}, failed calls {}, out of order {out_of_order}",
        sent.saturating_sub(heard),
        failed.len()
    );
    let delays = sorted(m.heard.iter().flat_map(|h| &h.delays_us));
    line_ms("delay caller send -> provider receipt, bridged", &delays);
    let setup = sorted(m.heard.iter().flat_map(|h| &h.setup_delays_us));
    println!(
        "frames sent before the provider session was open (held while the call was set up): {}",
        setup.len()
    );
    line_ms("delay of those frames", &setup);
    let late = sorted(m.calls.iter().flat_map(|c| &c.lateness_us));
    line_ms("sender lateness behind the 20 ms clock", &late);
    let agent: u64 = m.calls.iter().map(|c| c.agent_frames).sum();
    let deltas: u64 = m.heard.iter().map(|h| h.deltas).sum();
    println!("agent audio: {deltas} deltas of 200 ms sent by the provider, {agent} frames of 20 ms received by the caller (expected {})", deltas * 10);
    print_usage(m);
    let p99 = quantile_ms(&delays, 0.99);
    let pass = sent > 0 && sent == heard && failed.is_empty() && p99 < P99_LIMIT_MS;
    println!(
        "verdict: {} (lost {}, p99 {p99:.3} ms, limit {P99_LIMIT_MS} ms)",
        if pass { "HOLDS" } else { "FAILS" },
        sent.saturating_sub(heard)
    );
    pass
}

fn print_usage(m: &Measured) {
    let calls = f64::from(m.options.calls);
    let grown = m.rss_peak_kib.saturating_sub(m.rss_before_kib);
    println!(
        "memory (one process: tool + fakes + server): RSS {:.1} MiB before the calls, {:.1} MiB at peak: {:.1} KiB per call",
        m.rss_before_kib as f64 / 1024.0,
        m.rss_peak_kib as f64 / 1024.0,
        grown as f64 / calls
    );
    let call_seconds = calls * m.options.seconds as f64;
    let cpu_ms = m.cpu.as_secs_f64() * 1000.0;
    println!(
        "CPU (same process): {:.2} s user+sys over {:.1} s wall ({:.0}% of one core): {:.2} ms per call-second",
        cpu_ms / 1000.0,
        m.wall.as_secs_f64(),
        100.0 * m.cpu.as_secs_f64() / m.wall.as_secs_f64(),
        cpu_ms / call_seconds
    );
}
