//! `live-fanout-bench`: how fast a live event reaches every browser when several instances share
//! one PostgreSQL database (issue 13). Two instances (two whole servers, each with its own
//! listener, hub and LISTEN connection, in this process) on a fresh database; N browser
//! WebSockets (`/api/v1/live`), half on each; then E signed Twilio status callbacks posted to
//! instance A, one per call, each moving its call to `ringing`. For each callback it measures
//! the time from sending the request to each browser receiving the `call_changed` event:
//! per delivery (split by the instance the browser is on) and until the last browser has it.
//!
//! Usage: `live-fanout-bench [--clients N] [--events E] [--pg-url URL]` (defaults 1000, 100,
//! postgres://postgres@127.0.0.1:5432/test). Needs N + a few hundred file descriptors
//! (`scripts/bench-live.sh` raises the limit).

use anyhow::Context;
use futures_util::StreamExt;
use sea_orm::{EntityTrait, Set};
use server::config::SecretKey;
use server::startup::Application;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[path = "shared/support.rs"]
mod support;
use support::{arg, session_cookie, ACCOUNT_SID, AUTH_TOKEN};

/// One instance on `database_url`, serving in the background; its base URL.
async fn instance(
    database_url: &str,
    key: &SecretKey,
    dir: &std::path::Path,
) -> anyhow::Result<String> {
    let port = support::free_port()?;
    let config = support::config(
        database_url.to_owned(),
        port,
        key.clone(),
        dir,
        "http://127.0.0.1:9".into(),
    )?;
    let app = Application::build(config).await?;
    tokio::spawn(app.run_until_stopped());
    Ok(format!("http://127.0.0.1:{port}"))
}

/// One order and `count` queued calls on it with SIDs `CA{n:032x}`; the order's id and the
/// calls' ids by n.
async fn seed(
    base: &str,
    cookie: &str,
    database_url: &str,
    count: usize,
) -> anyhow::Result<(i32, Vec<i32>)> {
    let order: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/orders/save"))
        .header("origin", base)
        .header("cookie", cookie)
        .form(&[
            ("input[number]", "LIVE-1"),
            ("input[customer_name]", "Marie Curie"),
            ("input[customer_phone]", "+33612345678"),
            ("input[delivery_address]", "1 rue Curie, Paris"),
            ("input[items]", "1 x Pizza @ 10"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let order_id = i32::try_from(order["id"].as_i64().context("an order id")?)?;
    let db = sea_orm::Database::connect(database_url).await?;
    let now = chrono::Utc::now();
    let mut ids = Vec::with_capacity(count);
    for n in 1..=count {
        let call = server::db::entities::calls::ActiveModel {
            order_id: Set(order_id),
            placed_by_name: Set("bench".into()),
            recipient: Set("customer".into()),
            to_number: Set("+33612345678".into()),
            provider: Set("openai".into()),
            purpose: Set(String::new()),
            status: Set("queued".into()),
            call_sid: Set(Some(format!("CA{n:032x}"))),
            last_sequence: Set(-1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        ids.push(
            server::db::entities::calls::Entity::insert(call)
                .exec(&db)
                .await?
                .last_insert_id,
        );
    }
    Ok((order_id, ids))
}

/// A browser: opens the live socket on `base` and reports (call id, when) for each call that
/// turns `ringing`. Sends `()` on `ready` once the first snapshot arrived.
async fn browser(
    base: String,
    cookie: String,
    on_a: bool,
    ready: mpsc::UnboundedSender<()>,
    seen: mpsc::UnboundedSender<(i64, Instant, bool)>,
) -> anyhow::Result<()> {
    let mut request =
        format!("{}/api/v1/live", base.replace("http", "ws")).into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    request.headers_mut().insert("origin", base.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    while let Some(message) = socket.next().await {
        let Message::Text(text) = message? else {
            continue;
        };
        let at = Instant::now();
        let event: serde_json::Value = serde_json::from_str(&text)?;
        match event["type"].as_str() {
            Some("snapshot") => {
                let _ = ready.send(());
            }
            Some("call_changed") if event["call"]["status"] == "ringing" => {
                let _ = seen.send((event["call"]["id"].as_i64().unwrap_or(-1), at, on_a));
            }
            _ => {}
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut values: Vec<Duration>) {
    values.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<38} n={:<6} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        values.len(),
        ms(percentile(&values, 50.0)),
        ms(percentile(&values, 99.0)),
        ms(values.last().copied().unwrap_or_default()),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let clients: usize = arg(&args, "--clients").map_or(Ok(1000), |n| n.parse())?;
    let events: usize = arg(&args, "--events").map_or(Ok(100), |n| n.parse())?;
    let pg_url =
        arg(&args, "--pg-url").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let dir = std::env::temp_dir().join(format!("live-fanout-bench-{}", std::process::id()));
    server::config::create_private_dir(&dir)?;
    let database_url =
        support::fresh_postgres(&pg_url, &format!("ol_bench_live_{}", std::process::id())).await?;
    let key = SecretKey::generate();
    let a = instance(&database_url, &key, &dir).await?;
    let b = instance(&database_url, &key, &dir).await?;
    let cookie = session_cookie(&a).await?;
    let (order_id, call_ids) = seed(&a, &cookie, &database_url, events).await?;

    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    for i in 0..clients {
        let base = if i % 2 == 0 { a.clone() } else { b.clone() };
        let on_a = i % 2 == 0;
        let (ready, seen) = (ready_tx.clone(), seen_tx.clone());
        let cookie = cookie.clone();
        tokio::spawn(async move {
            if let Err(error) = browser(base, cookie, on_a, ready, seen).await {
                eprintln!("browser {i}: {error:#}");
            }
        });
    }
    drop(seen_tx);
    for n in 0..clients {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .with_context(|| format!("only {n} of {clients} browsers connected"))?;
    }
    eprintln!(
        "{clients} browsers connected ({} on each instance); {events} callbacks to A",
        clients / 2
    );

    let url = format!("{a}/api/v1/orders/{order_id}/twilio-status");
    let http = reqwest::Client::new();
    let (mut same, mut other, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for (n, call_id) in call_ids.iter().enumerate() {
        let params: Vec<(String, String)> = [
            ("AccountSid", ACCOUNT_SID.to_owned()),
            ("CallSid", format!("CA{:032x}", n + 1)),
            ("CallStatus", "ringing".to_owned()),
            ("SequenceNumber", "1".to_owned()),
            ("CallbackSource", "call-progress-events".to_owned()),
            ("Direction", "outbound-api".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let signature = server::twilio::signature::sign(AUTH_TOKEN, &url, &params);
        let sent = Instant::now();
        let response = http
            .post(&url)
            .header("x-twilio-signature", signature)
            .form(&params)
            .send()
            .await?;
        anyhow::ensure!(
            response.status() == 204,
            "callback {n}: {}",
            response.status()
        );
        let mut received = 0;
        let mut last = Duration::ZERO;
        while received < clients {
            let (call, at, on_a) = tokio::time::timeout(Duration::from_secs(10), seen_rx.recv())
                .await
                .with_context(|| format!("callback {n}: {received} of {clients} browsers got it"))?
                .context("browsers gone")?;
            if call != i64::from(*call_id) {
                continue;
            }
            let delay = at.saturating_duration_since(sent);
            last = last.max(delay);
            if on_a {
                same.push(delay)
            } else {
                other.push(delay)
            }
            received += 1;
        }
        all.push(last);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("live fan-out: {clients} browsers on two instances (PostgreSQL LISTEN/NOTIFY), {events} status callbacks posted to instance A");
    summary("delivery, browsers on A (raised there)", same);
    summary("delivery, browsers on B (by NOTIFY)", other);
    summary("callback sent -> all browsers have it", all);
    let _ = std::fs::remove_dir_all(&dir);
    let admin = sea_orm::Database::connect(&pg_url).await?;
    let name = format!("ol_bench_live_{}", std::process::id());
    // The instances still hold connections: FORCE ends them.
    sea_orm::ConnectionTrait::execute_unprepared(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await?;
    Ok(())
}
