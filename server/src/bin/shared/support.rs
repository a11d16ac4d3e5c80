//! What the benchmark binaries share (included with `#[path]`): a fresh PostgreSQL database, a
//! server configuration with Twilio pinned to a loopback fake, and the bench admin's session.

use anyhow::Context;
use app::api::SettingKey;
use server::config::{Config, SecretKey};
use std::time::Duration;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";
pub const NUMBER: &str = "+15005550006";
pub const ADMIN_EMAIL: &str = "bench@example.com";
pub const ADMIN_PASSWORD: &str = "bench-password-0123";

/// The value after `name` on the command line.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// A fresh PostgreSQL database `name` next to `pg_url`'s (dropped first if it exists); its URL.
pub async fn fresh_postgres(pg_url: &str, name: &str) -> anyhow::Result<String> {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(pg_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let (prefix, _) = pg_url
        .rsplit_once('/')
        .context("PostgreSQL URL with a path")?;
    Ok(format!("{prefix}/{name}"))
}

/// A free port on loopback.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A server on `port` and `database_url`, Twilio pinned to the fake at `twilio` (its account
/// configured by the environment), the bench admin created at start.
pub fn config(
    database_url: String,
    port: u16,
    key: SecretKey,
    dir: &std::path::Path,
    twilio: String,
) -> anyhow::Result<Config> {
    let mut overrides = server::settings::EnvSettings::default();
    for (key, value) in [
        (SettingKey::TwilioEnabled, "true"),
        (SettingKey::TwilioAccountSid, ACCOUNT_SID),
        (SettingKey::TwilioAuthToken, AUTH_TOKEN),
        (SettingKey::TwilioPhoneNumber, NUMBER),
    ] {
        overrides.pinned.insert(key, value.to_owned());
    }
    Ok(Config {
        database_url,
        site_addr: ([127, 0, 0, 1], port).into(),
        public_base_url: url::Url::parse(&format!("http://127.0.0.1:{port}"))?,
        secret_key: key,
        bootstrap_admin: Some((ADMIN_EMAIL.into(), ADMIN_PASSWORD.to_owned().into())),
        default_region: phonenumber::country::Id::FR,
        trust_proxy_headers: false,
        trusted_proxy_hops: 1,
        session_inactivity: Duration::from_secs(3600),
        password_hash_concurrency: 1,
        sms_outbox: Default::default(),
        data_dir: dir.to_path_buf(),
        external_urls: server::settings::ExternalUrls {
            twilio_api_base: twilio,
            openai_realtime: "ws://127.0.0.1:9/openai".into(),
            gemini_live: "ws://127.0.0.1:9/gemini".into(),
        },
        setting_overrides: overrides,
    })
}

/// The bench admin's session cookie (`name=value`) from signing in at `base`.
pub async fn session_cookie(base: &str) -> anyhow::Result<String> {
    let login = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(login.status() == 200, "sign-in: {}", login.status());
    Ok(login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("sign-in set no cookie")?
        .to_owned())
}
