//! `bridge-load`: N simulated Twilio calls at real-time pace through the production code path
//! (the real router, voice webhook, Media Streams handler, bridge and OpenAI Realtime client),
//! against a fake Twilio REST API and a fake OpenAI Realtime endpoint on loopback, all in this
//! one process. It reports frames lost between the caller and the provider, the delay the
//! server adds to each caller frame (the caller's send to the fake provider's receipt), agent
//! audio back, memory per call and CPU per call-second.
//!
//! Usage: `bridge-load --calls N --seconds D [--ramp-seconds R]` (logs: `RUST_LOG`, default
//! warn). Phases: build the server; place the N calls (orders and calls through the server
//! functions, not timed); answer them spread over R seconds (the server lets at most 16
//! streams wait for their token check at once); stream D seconds of audio per call; `stop`.

mod caller;
mod fakes;
mod frame;
mod report;
mod setup;
mod usage;

use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const USAGE: &str = "usage: bridge-load --calls N --seconds D [--ramp-seconds R]";
/// Calls placed at once while preparing.
const PLACING_AT_ONCE: usize = 8;

/// The run's shape.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub calls: u32,
    pub seconds: u64,
    pub ramp_seconds: f64,
}

fn parse_args(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options {
        calls: 20,
        seconds: 10,
        ramp_seconds: -1.0,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--calls" => options.calls = value.parse().context("--calls")?,
            "--seconds" => options.seconds = value.parse().context("--seconds")?,
            "--ramp-seconds" => options.ramp_seconds = value.parse().context("--ramp-seconds")?,
            _ => anyhow::bail!("unknown option {flag}\n{USAGE}"),
        }
    }
    anyhow::ensure!(
        (1..=1000).contains(&options.calls),
        "--calls must be 1 to 1000 (the call limit setting's range)"
    );
    anyhow::ensure!(options.seconds >= 1, "--seconds must be at least 1");
    if options.ramp_seconds < 0.0 {
        // About 100 answers a second: well within the 16 pending streams.
        options.ramp_seconds = (f64::from(options.calls) / 100.0).max(1.0);
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_args(&args)?;
    frame::now_us();
    let twilio = fakes::twilio().await?;
    let (openai_url, provider) = fakes::openai().await?;
    let server = setup::start(twilio, openai_url, options.calls as usize).await?;
    let admin = setup::admin(&server.base).await?;
    let placed = place_all(&server, &admin, options.calls).await?;
    eprintln!(
        "placed {} calls; answering them over {:.1} s",
        placed.len(),
        options.ramp_seconds
    );

    let rss_before = usage::rss_kib();
    let cpu_before = usage::cpu_time();
    let peak = usage::PeakRss::start();
    let started = Instant::now();
    let calls = answer_all(&server.base, placed, options).await;
    let wall = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let rss_peak = peak.stop();
    let heard = collect(&provider, calls.len()).await;
    let measured = report::Measured {
        options,
        calls,
        heard,
        rss_before_kib: rss_before,
        rss_peak_kib: rss_peak,
        cpu,
        wall,
    };
    let pass = report::print(&measured);
    server.remove();
    std::process::exit(if pass { 0 } else { 1 });
}

/// Places `count` calls, a few at a time; in call order.
async fn place_all(
    server: &setup::Server,
    admin: &reqwest::Client,
    count: u32,
) -> anyhow::Result<Vec<caller::Placed>> {
    let mut placed = Vec::with_capacity(count as usize);
    let indices: Vec<u32> = (0..count).collect();
    for chunk in indices.chunks(PLACING_AT_ONCE) {
        let batch = chunk
            .iter()
            .map(|&index| setup::place(server, admin, index));
        for call in futures_util::future::join_all(batch).await {
            placed.push(call.context("placing a call")?);
        }
    }
    Ok(placed)
}

/// Answers every call, the starts spread evenly over the ramp; each call's report.
async fn answer_all(
    base: &str,
    placed: Vec<caller::Placed>,
    options: Options,
) -> Vec<caller::CallReport> {
    let http = reqwest::Client::new();
    let base: Arc<str> = base.into();
    let length = Duration::from_secs(options.seconds);
    let step = Duration::from_secs_f64(options.ramp_seconds / f64::from(options.calls));
    let first = Instant::now();
    let tasks: Vec<_> = placed
        .into_iter()
        .map(|call| {
            let (http, base) = (http.clone(), base.clone());
            let start = first + step * call.index;
            tokio::spawn(async move {
                tokio::time::sleep_until(start).await;
                caller::run(&http, &base, &call, length).await
            })
        })
        .collect();
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        reports.push(task.await.unwrap_or_else(|error| caller::CallReport {
            error: Some(format!("the call's task failed: {error}")),
            ..Default::default()
        }));
    }
    reports
}

/// The fake provider's records, once every session has closed (or after 10 s).
async fn collect(provider: &fakes::Provider, calls: usize) -> Vec<fakes::Heard> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let closed = provider.heard.lock().map(|h| h.len()).unwrap_or(0);
        if closed >= calls || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    provider
        .heard
        .lock()
        .map(|mut heard| std::mem::take(&mut *heard))
        .unwrap_or_default()
}
