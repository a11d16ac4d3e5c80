//! The server under load, built as `orderline serve` builds it (`Application::build`, the real
//! router), in a temporary data folder with a fresh SQLite database and key, its settings pinned
//! as environment variables would pin them: Twilio enabled with the fake's credentials, the
//! OpenAI key, `audio/pcmu` (the caller's mu-law reaches the provider byte for byte, so frames
//! can be matched), and the simultaneous-call limit raised to the number of calls. Orders and
//! calls are then created as staff would: through the `orders/save` and `calls/place` server
//! functions of a signed-in admin.

use crate::caller::Placed;
use crate::fakes::{ACCOUNT_SID, AUTH_TOKEN, OPENAI_KEY, OWNED_NUMBER};
use app::api::SettingKey;
use sea_orm::EntityTrait;
use server::config::{Config, SecretKey};
use server::startup::Application;
use std::path::PathBuf;

const ADMIN_EMAIL: &str = "load@example.com";
const ADMIN_PASSWORD: &str = "load-password-0123";

/// A running server and where it lives.
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub base: String,
    pub db: sea_orm::DatabaseConnection,
    /// The temporary data folder (removed by [`Server::remove`]).
    dir: PathBuf,
}

impl Server {
    /// Removes the temporary data folder.
    pub fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir() -> anyhow::Result<PathBuf> {
    let mut bytes = [0u8; 8];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    let dir = std::env::temp_dir().join(format!("bridge-load-{}", hex::encode(bytes)));
    server::config::create_private_dir(&dir)?;
    Ok(dir)
}

/// A free loopback port: the public URL (which webhooks are signed over) must name it before
/// the server binds it.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Builds and starts the server against the fakes, for `calls` simultaneous calls.
pub async fn start(
    twilio_base: String,
    openai_url: String,
    calls: usize,
) -> anyhow::Result<Server> {
    let dir = temp_dir()?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut setting_overrides = server::settings::EnvSettings::default();
    for (key, value) in [
        (SettingKey::TwilioEnabled, "true".to_owned()),
        (SettingKey::TwilioAccountSid, ACCOUNT_SID.to_owned()),
        (SettingKey::TwilioAuthToken, AUTH_TOKEN.to_owned()),
        (SettingKey::TwilioPhoneNumber, OWNED_NUMBER.to_owned()),
        (SettingKey::OpenAiApiKey, OPENAI_KEY.to_owned()),
        (SettingKey::OpenAiAudioFormat, "audio/pcmu".to_owned()),
        (SettingKey::MaxConcurrentCalls, calls.to_string()),
    ] {
        setting_overrides.pinned.insert(key, value);
    }
    let config = Config {
        database_url: format!("sqlite://{}/load.db?mode=rwc", dir.display()),
        site_addr: ([127, 0, 0, 1], port).into(),
        public_base_url: url::Url::parse(&base)?,
        secret_key: SecretKey::generate(),
        bootstrap_admin: Some((ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned().into())),
        default_region: phonenumber::country::Id::FR,
        trust_proxy_headers: false,
        trusted_proxy_hops: 1,
        session_inactivity: std::time::Duration::from_secs(3600),
        password_hash_concurrency: 1,
        sms_outbox: Default::default(),
        data_dir: dir.clone(),
        external_urls: server::settings::ExternalUrls {
            twilio_api_base: twilio_base,
            openai_realtime: openai_url,
            gemini_live: "ws://127.0.0.1:9/gemini".into(),
        },
        setting_overrides,
    };
    let app = Application::build(config).await?;
    let db = app.db.clone();
    tokio::spawn(app.run_until_stopped());
    Ok(Server { base, db, dir })
}

/// A signed-in admin's client: same-origin requests carrying the session cookie.
pub async fn admin(base: &str) -> anyhow::Result<reqwest::Client> {
    let login = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(login.status() == 200, "sign-in: {}", login.status());
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("sign-in set no cookie"))?
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse()?);
    headers.insert("cookie", cookie.parse()?);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

async fn server_fn(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<serde_json::Value> {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .form(form)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    anyhow::ensure!(status == 200, "{endpoint}: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

/// Creates order `L-{index}` and places its call (the fake Twilio accepts it).
pub async fn place(
    server: &Server,
    client: &reqwest::Client,
    index: u32,
) -> anyhow::Result<Placed> {
    let number = format!("L-{index}");
    let order = server_fn(
        client,
        &server.base,
        "orders/save",
        &[
            ("input[number]", number.as_str()),
            ("input[customer_name]", "Marie Curie"),
            ("input[customer_phone]", "06 12 34 56 78"),
            ("input[delivery_address]", "1 rue Curie, Paris"),
            ("input[items]", "1 x Pizza @ 10"),
        ],
    )
    .await?;
    let order_id = order["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("orders/save answered no id"))?;
    let order_text = order_id.to_string();
    let call = server_fn(
        client,
        &server.base,
        "calls/place",
        &[
            ("order_id", order_text.as_str()),
            ("recipient", "customer"),
            ("provider", "openai"),
            ("purpose", "load test"),
        ],
    )
    .await?;
    let call_id = call["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("calls/place answered no id"))?;
    let row = i32::try_from(call_id)?;
    let sid = server::db::entities::calls::Entity::find_by_id(row)
        .one(&server.db)
        .await?
        .and_then(|call| call.call_sid)
        .ok_or_else(|| anyhow::anyhow!("call {call_id} has no Call SID"))?;
    Ok(Placed {
        index,
        order_id,
        call_id,
        sid,
    })
}
