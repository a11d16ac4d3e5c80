//! `spawn_app()` and the small HTTP helpers the tests share.

use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use sea_orm::{ConnectionTrait, Database};
use server::config::{Config, SecretKey};
use server::startup::Application;

pub struct TestApp {
    pub address: String,
    /// A client with a cookie jar and this server's Origin (like a same-site browser).
    pub client: reqwest::Client,
    pub setup_link: Option<String>,
    pub db: sea_orm::DatabaseConnection,
    pub instance_id: String,
    pub settings: server::settings::SettingsHandle,
    pub reconciler: server::calls::reconciler::Reconciler,
    pub hub: server::realtime::Hub,
    /// The emulated Twilio (off unless the test's configuration turns it on).
    pub sandbox: server::sandbox::Sandbox,
    /// What this server was built with (a second instance on the same database reuses it).
    pub config: Config,
    /// Stops the server as SIGTERM does (see [`TestApp::terminate`]).
    stop: std::sync::Arc<tokio::sync::Notify>,
    /// The serving task, until [`TestApp::stopped`] takes it.
    serving: std::sync::Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>>,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// A client end of `/api/v1/live`.
pub type LiveSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// A database URL for one test: a new PostgreSQL database, or a SQLite file in `dir`.
pub(crate) async fn test_database_url(dir: &std::path::Path) -> String {
    match std::env::var("ORDERLINE_TEST_PG_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!("ol_test_{}", uuid_like());
            let admin = Database::connect(&base)
                .await
                .expect("PostgreSQL reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}/test.db?mode=rwc", dir.display()),
    }
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    hex::encode(bytes)
}

/// Starts a server; `with_admin` creates the ADMIN_EMAIL admin at start.
pub async fn spawn_app_with(with_admin: bool, trust_proxy_headers: bool) -> TestApp {
    spawn_app_configured(with_admin, |config| {
        config.trust_proxy_headers = trust_proxy_headers
    })
    .await
}

/// Starts a server after `adjust` changed its configuration.
pub async fn spawn_app_configured(with_admin: bool, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = test_database_url(dir.path()).await;
    let mut config = Config {
        database_url,
        site_addr: "127.0.0.1:0".parse().expect("address"),
        public_base_url: url::Url::parse("http://127.0.0.1").expect("url"),
        secret_key: test_key(),
        bootstrap_admin: with_admin
            .then(|| (ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned().into())),
        default_region: phonenumber::country::Id::FR,
        trust_proxy_headers: false,
        trusted_proxy_hops: 1,
        session_inactivity: std::time::Duration::from_secs(3600),
        password_hash_concurrency: 4,
        sms_outbox: Default::default(),
        data_dir: dir.path().to_path_buf(),
        external_urls: server::settings::ExternalUrls {
            twilio_api_base: "http://127.0.0.1:9".into(),
            openai_realtime: "ws://127.0.0.1:9/v1/realtime".into(),
            gemini_live: "ws://127.0.0.1:9/gemini".into(),
        },
        // The sandbox stays off unless a test turns it on (it would stand in for Twilio).
        setting_overrides: server::settings::EnvSettings {
            sandbox: server::settings::SandboxMode::Off,
            ..Default::default()
        },
    };
    adjust(&mut config);
    start(config, std::sync::Arc::new(dir)).await
}

/// A second instance of `first`'s server: the same database, secret key and settings from the
/// environment, its own port and process state (as another machine behind a load balancer).
pub async fn spawn_peer(first: &TestApp) -> TestApp {
    let mut config = first.config.clone();
    config.bootstrap_admin = None;
    start(config, first._dir.clone()).await
}

async fn start(config: Config, dir: std::sync::Arc<tempfile::TempDir>) -> TestApp {
    let app = Application::build(config.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port);
    let setup_link = app.setup_link.clone();
    let db = app.db.clone();
    let instance_id = app.instance.id.clone();
    let settings = app.settings.clone();
    let reconciler = app.reconciler.clone();
    let hub = app.hub.clone();
    let sandbox = app.sandbox.clone();
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = stop.clone();
    let serving = tokio::spawn(app.run_until(async move { signal.notified().await }));
    TestApp {
        client: client_for(&address),
        address,
        setup_link,
        db,
        instance_id,
        settings,
        reconciler,
        hub,
        sandbox,
        config,
        stop,
        serving: std::sync::Arc::new(std::sync::Mutex::new(Some(serving))),
        _dir: dir,
    }
}

fn test_key() -> SecretKey {
    SecretKey::generate()
}

/// A server with the bootstrap admin.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true, false).await
}

/// A browser-like client for `address`: cookies kept, same-origin `Origin` header.
pub fn client_for(address: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        ORIGIN,
        HeaderValue::from_str(address).expect("origin header"),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// What SIGTERM does to the server: it starts draining.
    pub fn terminate(&self) {
        self.stop.notify_one();
    }

    /// Waits until the server has drained and stopped serving (at most `patience`); whether it did.
    pub async fn stopped(&self, patience: std::time::Duration) -> bool {
        let serving = self.serving.lock().expect("not poisoned").take();
        let Some(serving) = serving else { return true };
        matches!(
            tokio::time::timeout(patience, serving).await,
            Ok(Ok(Ok(())))
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Calls a server function with form-encoded arguments through `client`.
    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Calls a server function as this test's main client.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, endpoint, form).await
    }

    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call_with(client, "login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn login_admin(&self) {
        let response = self
            .login_with(&self.client, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(
            response.status(),
            200,
            "admin login: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// GETs a page as a browser (Accept: text/html) and returns status and body.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let response = client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("page request");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Signs in with a fresh client; returns it and its session cookie (`name=value`), for
    /// requests the client does not make itself (a WebSocket).
    pub async fn sign_in(&self, email: &str, password: &str) -> (reqwest::Client, String) {
        let client = client_for(&self.address);
        let response = self.login_with(&client, email, password).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        (client, cookie)
    }

    /// Opens `/api/v1/live` with a session cookie (`name=value`) and this server's Origin.
    pub async fn live_socket(&self, cookie: &str) -> LiveSocket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("{}/api/v1/live", self.address.replace("http", "ws"))
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", self.address.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("live socket");
        socket
    }

    /// Creates a staff account (as the signed-in admin) and returns a client signed in as it.
    pub async fn staff_client(&self, email: &str) -> reqwest::Client {
        let response = self
            .call(
                "users/create",
                &[
                    ("name", "Sam Staff"),
                    ("email", email),
                    ("password", "staff-password"),
                    ("role", "staff"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
        let client = client_for(&self.address);
        let response = self.login_with(&client, email, "staff-password").await;
        assert_eq!(response.status(), 200);
        client
    }
}
