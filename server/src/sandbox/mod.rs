//! The sandbox: a built-in emulation of the parts of Twilio that Orderline uses, so that a
//! newcomer can place a call and send a text with no Twilio account and no AI key (issue 12).
//! Orderline's own code path stays the one under test: the emulator sits behind the same REST
//! calls, signed webhooks and Media Streams WebSocket as real Twilio.
//!
//! Layout:
//! - `credentials`: the sandbox account (SID, auth token, phone number), generated once, sealed at rest.
//! - `store`: the emulated Calls and Messages resources, in memory, and the phone events.
//! - `rest`: the 2010-04-01 REST API subset under `/sandbox/twilio`.
//! - `callbacks`: signed webhook requests, exactly as Twilio signs them.
//! - `messages`: a message's life (queued, sent, delivered or failed) and replies.
//! - `twiml`: the TwiML parser (what a call does once answered).
//! - `stream`: the Media Streams client leg (the WebSocket Twilio opens to the Stream URL).
//! - `engine`: a call's life once created: ringing, answer, its TwiML, its status callbacks.
//! - `phone`: the softphone tabs and the calls ringing them; `phone_ws` their WebSocket.

pub mod callbacks;
pub mod credentials;
pub mod engine;
pub mod messages;
pub mod phone;
pub mod phone_ws;
pub mod rest;
pub mod store;
pub mod stream;
pub mod twiml;

use crate::calls::public_base_url;
use crate::config::SecretKey;
use crate::settings::{SandboxMode, SandboxTwilio, SettingsHandle, SettingsService};
use app::api::{ApiError, FailureNumber, SandboxInfo, SandboxPhone};
use callbacks::SignedPoster;
use credentials::SandboxCredentials;
use messages::{LifecycleDelays, SandboxMessages};
use phone::Phones;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, QuerySelect};
use secrecy::ExposeSecret;
use std::sync::Arc;
use store::SandboxStore;

/// The sandbox of one server: its account, its emulated resources, its softphones.
#[derive(Clone)]
pub struct Sandbox {
    pub credentials: Arc<SandboxCredentials>,
    pub store: SandboxStore,
    pub phones: Phones,
    pub messages: SandboxMessages,
    pub engine: engine::Engine,
    /// Orderline's settings: whether the sandbox is on, and the public URL its webhooks use.
    settings: SettingsHandle,
    fallback_public_url: String,
    /// The emulator's own REST base (`http://{bound address}/sandbox/twilio`).
    api_base: String,
    db: DatabaseConnection,
}

impl Sandbox {
    /// Loads (or creates) the sandbox account and tells `settings` about it, so that Twilio's
    /// place is taken while Twilio is not configured (or always, with [`SandboxMode::Forced`]).
    /// `given` are the credentials of `TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN` with
    /// `TWILIO_SANDBOX=1`. `self_url` is how this server reaches itself (`http://127.0.0.1:port`).
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        db: &DatabaseConnection,
        key: &SecretKey,
        http: reqwest::Client,
        settings: (&SettingsService, SettingsHandle),
        mode: SandboxMode,
        given: Option<SandboxCredentials>,
        self_url: &str,
        fallback_public_url: &str,
    ) -> anyhow::Result<Self> {
        let credentials = match given {
            Some(given) => given,
            None => SandboxCredentials::load_or_create(db, key).await?,
        };
        let credentials = Arc::new(credentials);
        let store = SandboxStore::new(&credentials.account_sid);
        let poster = SignedPoster::new(http, credentials.auth_token.clone());
        let messages =
            SandboxMessages::new(store.clone(), poster.clone(), LifecycleDelays::default());
        let phones = Phones::default();
        let engine = engine::Engine::new(store.clone(), phones.clone(), poster);
        let api_base = format!("{}/sandbox/twilio", self_url.trim_end_matches('/'));
        let (service, handle) = settings;
        service
            .set_sandbox(
                mode,
                SandboxTwilio {
                    account_sid: credentials.account_sid.clone(),
                    auth_token: credentials.auth_token.expose_secret().to_owned(),
                    phone_number: credentials.phone_number.clone(),
                    api_base: api_base.clone(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("publishing the sandbox settings: {e}"))?;
        Ok(Sandbox {
            credentials,
            store,
            phones,
            messages,
            engine,
            settings: handle,
            fallback_public_url: fallback_public_url.to_owned(),
            api_base,
            db: db.clone(),
        })
    }

    /// The emulated REST API (nest it at `/sandbox/twilio`). While the sandbox is off (real
    /// Twilio configured) it answers 404 to everything: nothing can place a sandbox call then.
    pub fn rest_router(&self) -> axum::Router {
        let settings = self.settings.clone();
        rest::router(rest::SandboxRest::new(
            self.credentials.clone(),
            self.messages.clone(),
            Arc::new(self.engine.clone()),
        ))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let on = settings.current().sandbox().is_some();
                async move {
                    if on {
                        next.run(request).await
                    } else {
                        use axum::response::IntoResponse;
                        (
                            axum::http::StatusCode::NOT_FOUND,
                            axum::Json(serde_json::json!({
                                "code": 20404,
                                "message": "The sandbox is off: Twilio is configured.",
                                "more_info": "https://www.twilio.com/docs/errors/20404",
                                "status": 404,
                            })),
                        )
                            .into_response()
                    }
                }
            },
        ))
    }

    /// A text from the softphone `from` to the sandbox's number, posted to Orderline's inbound
    /// webhook; the reason in words when it could not be.
    pub async fn reply(&self, from: &str, body: &str) -> Result<(), String> {
        let base = public_base_url(&self.settings.current(), &self.fallback_public_url);
        self.messages
            .reply(&base, from, &self.credentials.phone_number, body)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}

#[async_trait::async_trait]
impl app::ports::SandboxPort for Sandbox {
    fn active(&self) -> bool {
        self.settings.current().sandbox().is_some()
    }

    async fn info(&self) -> Result<SandboxInfo, ApiError> {
        use crate::db::entities::orders;
        let recent = orders::Entity::find()
            .order_by_desc(orders::Column::Id)
            .limit(20)
            .all(&self.db)
            .await
            .map_err(crate::db::db_error)?;
        let mut phones = Vec::new();
        for order in recent {
            phones.push(SandboxPhone {
                label: format!("{} (customer, {})", order.customer_name, order.number),
                number: order.customer_phone.clone(),
            });
            if let (Some(name), Some(number)) = (order.driver_name, order.driver_phone) {
                phones.push(SandboxPhone {
                    label: format!("{name} (driver, {})", order.number),
                    number,
                });
            }
        }
        // One entry per number (a driver delivers many orders), the most recent order's label.
        let mut seen = std::collections::HashSet::new();
        phones.retain(|phone| seen.insert(phone.number.clone()));
        Ok(SandboxInfo {
            active: self.settings.current().sandbox().is_some(),
            account_sid: self.credentials.account_sid.clone(),
            auth_token: self.credentials.auth_token.expose_secret().to_owned(),
            phone_number: self.credentials.phone_number.clone(),
            api_base: self.api_base.clone(),
            phones,
            failure_numbers: messages::FAILURE_NUMBERS
                .iter()
                .map(|f| FailureNumber {
                    ending: f.ending.to_owned(),
                    code: match f.outcome {
                        messages::FailureOutcome::Undelivered { code }
                        | messages::FailureOutcome::Refused { code } => code,
                    },
                    meaning: f.meaning.to_owned(),
                })
                .collect(),
        })
    }
}
