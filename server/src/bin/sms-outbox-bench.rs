//! `sms-outbox-bench`: the SMS outbox's throughput with the rate limit lifted, against a fake
//! Twilio Messages resource on loopback, on SQLite or PostgreSQL, through the production path
//! (the real server, the bulk server function, the outbox worker, the Twilio client).
//!
//! Usage: `sms-outbox-bench [--messages N] [--database sqlite|postgres] [--pg-url URL]`.
//! It imports N orders (one CSV import, not timed), then times
//! 1. the bulk send of all of them from the orders list ("select all matching", confirm): the
//!    request that renders N texts and writes them to the outbox;
//! 2. the outbox draining: from that answer until the fake Twilio accepted all N, in texts per
//!    second, and checks that each was posted exactly once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use server::config::SecretKey;
use server::startup::Application;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "shared/support.rs"]
mod support;
use support::{arg, ACCOUNT_SID};

/// `POST .../Messages.json`: 201 with a minimal Message resource; counts every request.
async fn create(State(count): State<Arc<AtomicUsize>>) -> impl IntoResponse {
    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
    let body = format!(
        r#"{{"sid":"SM{n:032x}","account_sid":"{ACCOUNT_SID}","status":"queued","to":"","body":null,"error_code":null}}"#
    );
    (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        body,
    )
}

async fn fake_twilio(count: Arc<AtomicUsize>) -> anyhow::Result<String> {
    let router = Router::new()
        .route("/2010-04-01/Accounts/{sid}/Messages.json", post(create))
        .with_state(count);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{address}"))
}

/// A database URL: a new SQLite file in `dir`, or a new PostgreSQL database.
async fn database(kind: &str, pg_url: &str, dir: &std::path::Path) -> anyhow::Result<String> {
    if kind == "sqlite" {
        return Ok(format!("sqlite://{}/bench.db?mode=rwc", dir.display()));
    }
    support::fresh_postgres(pg_url, &format!("ol_bench_{}", std::process::id())).await
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, String)],
) -> anyhow::Result<serde_json::Value> {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .form(form)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status == 200, "{endpoint}: {status} {text}");
    Ok(serde_json::from_str(&text)?)
}

/// A client with the admin's session cookie and this server's Origin.
async fn signed_in(base: &str) -> anyhow::Result<reqwest::Client> {
    let cookie = support::session_cookie(base).await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse()?);
    headers.insert("cookie", cookie.parse()?);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let messages: usize = arg(&args, "--messages").map_or(Ok(10_000), |n| n.parse())?;
    let kind = arg(&args, "--database").unwrap_or_else(|| "sqlite".into());
    anyhow::ensure!(
        kind == "sqlite" || kind == "postgres",
        "--database sqlite|postgres"
    );
    let pg_url =
        arg(&args, "--pg-url").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let dir = std::env::temp_dir().join(format!("sms-outbox-bench-{}", std::process::id()));
    server::config::create_private_dir(&dir)?;
    let count = Arc::new(AtomicUsize::new(0));
    let twilio = fake_twilio(count.clone()).await?;
    let port = support::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let database_url = database(&kind, &pg_url, &dir).await?;
    let mut config = support::config(database_url, port, SecretKey::generate(), &dir, twilio)?;
    config.sms_outbox.rate_per_second = 0.0;
    let app = Application::build(config).await?;
    tokio::spawn(app.run_until_stopped());

    let client = signed_in(&base).await?;
    let mut csv = String::from("number,customer_name,customer_phone,delivery_address,items\n");
    for i in 0..messages {
        csv.push_str(&format!(
            "B-{i:05},Client {i},+336{:08},1 rue de la Paix Paris,1 x Pizza @ 10\n",
            10_000_000 + i
        ));
    }
    let imported = call(&client, &base, "orders/import", &[("csv", csv)]).await?;
    eprintln!("imported {} orders ({kind})", imported["imported"]);
    let templates = call(&client, &base, "sms/templates", &[]).await?;
    let template = templates[0]["id"].to_string();

    let started = Instant::now();
    let form = [
        ("selection[all_matching]", "true".to_owned()),
        ("selection[search]", "B-".to_owned()),
        ("template_id", template),
        ("confirm", "true".to_owned()),
    ];
    let report = call(&client, &base, "sms/bulk", &form).await?;
    let enqueue = started.elapsed();
    let queued = report["count"].as_u64().unwrap_or(0) as usize;
    anyhow::ensure!(queued == messages, "queued {queued} of {messages}");
    let draining = Instant::now();
    while count.load(Ordering::SeqCst) < messages {
        anyhow::ensure!(
            draining.elapsed() < Duration::from_secs(600),
            "outbox stalled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain = draining.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posted = count.load(Ordering::SeqCst);
    println!("sms-outbox-bench: {messages} texts, {kind}, rate limit lifted");
    println!(
        "enqueue from the orders list (bulk, select all matching, confirm): {:.2} s",
        enqueue.as_secs_f64()
    );
    println!(
        "outbox drained to the fake Twilio: {:.2} s, {:.0} texts/s; posted {posted} (each once: {})",
        drain.as_secs_f64(),
        messages as f64 / drain.as_secs_f64(),
        posted == messages
    );
    let _ = std::fs::remove_dir_all(&dir);
    if kind == "postgres" {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(&pg_url).await?;
        let name = format!("ol_bench_{}", std::process::id());
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    Ok(())
}
