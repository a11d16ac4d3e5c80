//! Whole `orderline` processes for the tests that need more than one server, or a kill: the real
//! binary, configured through its environment as an operator would, against the fake Twilio.

use crate::fakes;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const EMAIL: &str = "admin@example.com";
pub(crate) const PASSWORD: &str = "admin-password";

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts the binary on `database_url` and waits until it answers; `extra` variables override.
pub(crate) async fn start(
    database_url: &str,
    data_dir: &std::path::Path,
    twilio: &str,
    port: u16,
    extra: &[(&str, &str)],
) -> Server {
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_orderline"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ORDERLINE_DATA_DIR", data_dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", &base)
        .env("ADMIN_EMAIL", EMAIL)
        .env("ADMIN_PASSWORD", PASSWORD)
        .env("ENABLE_TWILIO", "true")
        .env("TWILIO_ACCOUNT_SID", fakes::ACCOUNT_SID)
        .env("TWILIO_AUTH_TOKEN", fakes::AUTH_TOKEN)
        .env("TWILIO_PHONE_NUMBER", fakes::OWNED_NUMBER)
        .env("TWILIO_API_BASE_URL", twilio)
        .env("SMS_RATE_PER_SECOND", "0")
        .env("SMS_LEASE_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start orderline");
    let health = format!("{base}/api/v1/health");
    for _ in 0..300 {
        if reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    panic!("orderline did not start on {base}");
}

pub(crate) async fn signed_in(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/api/login"))
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    client
}

/// The database both processes share, or None on SQLite.
pub(crate) async fn shared_postgres(dir: &std::path::Path) -> Option<String> {
    let url = crate::helpers::test_database_url(dir).await;
    if url.starts_with("postgres") {
        Some(url)
    } else {
        eprintln!("SQLite runs one instance: the cluster tests run with ORDERLINE_TEST_PG_URL");
        None
    }
}

/// Two processes on `database_url` (the second started once the first has migrated and
/// written the shared key into `dir`).
pub(crate) async fn two(
    database_url: &str,
    dir: &std::path::Path,
    twilio: &str,
    env: &[(&str, &str)],
) -> (Server, Server) {
    let a = start(database_url, dir, twilio, free_port(), env).await;
    let b = start(database_url, dir, twilio, free_port(), env).await;
    (a, b)
}

pub(crate) fn stop(mut server: Server) {
    server.child.kill().ok();
    server.child.wait().ok();
}

/// Creates an order through `base` with a signed-in `client`; its id.
pub(crate) async fn create_order(client: &reqwest::Client, base: &str, number: &str) -> i64 {
    let order: serde_json::Value = client
        .post(format!("{base}/api/orders/save"))
        .form(&[
            ("input[number]", number),
            ("input[customer_name]", "Marie Curie"),
            ("input[customer_phone]", "+33612345678"),
            ("input[delivery_address]", "1 rue Curie, Paris"),
            ("input[items]", "1 x Pizza @ 10"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    order["id"].as_i64().expect("the order's id")
}

/// A killed test leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
