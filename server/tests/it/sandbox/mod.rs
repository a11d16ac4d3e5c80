//! The sandbox's emulated Twilio REST API, served on loopback as the server mounts it
//! (`/sandbox/twilio`): Twilio's auth, errors, JSON and paging; the message lifecycle's signed
//! callbacks received by a local webhook and checked with `twilio::signature::verify`;
//! Orderline's own `TwilioClient` and Twilio's Python helper library against it; and the
//! credentials kept in the database (SQLite, or PostgreSQL with ORDERLINE_TEST_PG_URL).

mod client;
mod credentials;
mod lifecycle;
mod python;
mod rest;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::Router;
use secrecy::{ExposeSecret, SecretString};
use server::sandbox::callbacks::SignedPoster;
use server::sandbox::credentials::SandboxCredentials;
use server::sandbox::messages::{LifecycleDelays, SandboxMessages};
use server::sandbox::rest::{router, NoopEngine, SandboxRest};
use server::sandbox::store::SandboxStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The sandbox's number in these tests.
pub const SANDBOX_NUMBER: &str = "+12015550142";

/// An emulator on loopback.
pub struct Emulator {
    /// `http://127.0.0.1:port/sandbox/twilio`: what `TWILIO_API_BASE_URL` would be.
    pub base: String,
    pub account_sid: String,
    pub token: String,
    pub store: SandboxStore,
    pub messages: SandboxMessages,
    pub http: reqwest::Client,
}

impl Emulator {
    /// `{base}/2010-04-01/Accounts/{AC}{rest}`.
    pub fn url(&self, rest: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}{rest}",
            self.base, self.account_sid
        )
    }

    /// A GET with the account's credentials.
    pub async fn get(&self, rest: &str) -> reqwest::Response {
        self.http
            .get(self.url(rest))
            .basic_auth(&self.account_sid, Some(&self.token))
            .send()
            .await
            .unwrap()
    }

    /// A form POST with the account's credentials.
    pub async fn post(&self, rest: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(rest))
            .basic_auth(&self.account_sid, Some(&self.token))
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// Starts the emulator with a fresh account and fast message delays (50 ms each).
pub async fn spawn_emulator() -> Emulator {
    spawn_emulator_with(Duration::from_millis(50)).await
}

/// Starts the emulator; each message status change waits `delay`.
pub async fn spawn_emulator_with(delay: Duration) -> Emulator {
    let mut credentials = SandboxCredentials::generate();
    credentials.phone_number = SANDBOX_NUMBER.to_owned();
    let token = credentials.auth_token.expose_secret().to_owned();
    let account_sid = credentials.account_sid.clone();
    let store = SandboxStore::new(&account_sid);
    let poster = SignedPoster::new(reqwest::Client::new(), SecretString::from(token.clone()))
        .with_timeout(Duration::from_secs(5));
    let delays = LifecycleDelays {
        to_sent: delay,
        to_final: delay,
    };
    let messages = SandboxMessages::new(store.clone(), poster, delays);
    let state = SandboxRest::new(
        Arc::new(credentials),
        messages.clone(),
        Arc::new(NoopEngine),
    );
    let app = Router::new().nest("/sandbox/twilio", router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Emulator {
        base: format!("http://127.0.0.1:{port}/sandbox/twilio"),
        account_sid,
        token,
        store,
        messages,
        http: reqwest::Client::new(),
    }
}

/// A request a webhook received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    /// The full URL as requested (`http://127.0.0.1:port/path?query`).
    pub url: String,
    pub headers: HeaderMap,
    /// The form body's fields (empty for a GET).
    pub form: Vec<(String, String)>,
}

impl Received {
    /// The first value of the form field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `X-Twilio-Signature` is valid for `token` over the exact URL and the form.
    pub fn signed_by(&self, token: &str) -> bool {
        let signature = self
            .headers
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        server::twilio::signature::verify(token, &self.url, &self.form, signature)
    }
}

/// A webhook receiver on loopback: every request is pushed into the channel and answered 200
/// with an empty TwiML response.
pub struct Receiver {
    /// `http://127.0.0.1:port`.
    pub base: String,
    pub requests: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    /// The next request, within 5 s.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(5), self.requests.recv())
            .await
            .expect("a webhook request within 5 s")
            .expect("receiver open")
    }
}

pub async fn spawn_receiver() -> Receiver {
    let (tx, requests) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let origin = base.clone();
    let record = move |State(tx): State<mpsc::UnboundedSender<Received>>,
                       method: Method,
                       uri: Uri,
                       headers: HeaderMap,
                       body: Bytes| {
        let origin = origin.clone();
        async move {
            let form = if method == Method::POST {
                url::form_urlencoded::parse(&body).into_owned().collect()
            } else {
                Vec::new()
            };
            let _ = tx.send(Received {
                method,
                url: format!("{origin}{uri}"),
                headers,
                form,
            });
            (
                [("content-type", "text/xml")],
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
            )
        }
    };
    let app = Router::new().fallback(record).with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { base, requests }
}
