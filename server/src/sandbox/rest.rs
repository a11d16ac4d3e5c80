//! The emulated Twilio REST API (2010-04-01), the subset Orderline uses: fetch the Account;
//! create, fetch, list and update Calls; create, fetch and list Messages; look up
//! IncomingPhoneNumbers. Mounted by the server at `/sandbox/twilio`, so paths here start at
//! `/2010-04-01`. HTTP Basic auth, error bodies, status codes, JSON shapes and paging are
//! Twilio's, so that Orderline's client and Twilio's own helper libraries work unchanged
//! against it. What a call does after it is created is the call engine's ([`CallEngine`]); what
//! a message does is `messages`'.
//!
//! Layout: `errors` (Twilio's error answers), `params` (form and query reading, paging),
//! `calls`, `messages`, `account` (the handlers).

mod account;
mod calls;
pub mod errors;
mod messages;
pub mod params;

use super::credentials::SandboxCredentials;
use super::messages::SandboxMessages;
use super::store::{CallInstructions, SandboxStore};
use axum::extract::{Request, State};
use axum::http::{header, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use chrono::{DateTime, Utc};
use errors::ApiError;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// A change asked of a live call (`POST .../Calls/{CallSid}.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallUpdate {
    /// `Status=canceled`: end a queued or ringing call.
    Cancel,
    /// `Status=completed`: hang up (the engine ends a call not yet answered as `canceled`).
    Complete,
    /// `Url` (+`Method`) or `Twiml`: run these instructions instead of the current ones.
    Redirect(CallInstructions),
}

/// What runs calls after the API stored them (the call engine). Both methods are notifications:
/// they return at once and the engine updates the store as the call progresses.
pub trait CallEngine: Send + Sync {
    /// The call `call_sid` was just created and stored (status `queued`): place it.
    fn start(&self, call_sid: &str);
    /// The API was asked to change the live call `call_sid`.
    fn update(&self, call_sid: &str, update: CallUpdate);
}

/// An engine that does nothing: calls stay `queued` (tests of the API alone).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopEngine;

impl CallEngine for NoopEngine {
    fn start(&self, _call_sid: &str) {}
    fn update(&self, _call_sid: &str, _update: CallUpdate) {}
}

/// What the API handlers share.
#[derive(Clone)]
pub struct SandboxRest {
    pub credentials: Arc<SandboxCredentials>,
    pub store: SandboxStore,
    pub messages: SandboxMessages,
    pub engine: Arc<dyn CallEngine>,
    /// The account's `date_created` (when this emulator started).
    pub started_at: DateTime<Utc>,
}

impl SandboxRest {
    /// The API over `messages`' store, with `credentials`' account and `engine` for calls.
    pub fn new(
        credentials: Arc<SandboxCredentials>,
        messages: SandboxMessages,
        engine: Arc<dyn CallEngine>,
    ) -> Self {
        SandboxRest {
            credentials,
            store: messages.store().clone(),
            messages,
            engine,
            started_at: Utc::now(),
        }
    }

    /// The `{AccountSid}` path segment must name the authenticated account; another account
    /// is not found, as Twilio answers for an account the credentials cannot see.
    fn check_account(&self, account_sid: &str, uri: &Uri) -> Result<(), ApiError> {
        if account_sid == self.credentials.account_sid {
            Ok(())
        } else {
            Err(ApiError::not_found(uri.path()))
        }
    }
}

/// The API's routes, every one behind HTTP Basic auth; nest it at `/sandbox/twilio`.
pub fn router(state: SandboxRest) -> Router {
    let accounts = "/2010-04-01/Accounts/{account}";
    Router::new()
        .route(accounts, get(account::fetch_account))
        .route(
            &format!("{accounts}/Calls.json"),
            get(calls::list).post(calls::create),
        )
        .route(
            &format!("{accounts}/Calls/{{call}}"),
            get(calls::fetch).post(calls::update),
        )
        .route(
            &format!("{accounts}/Messages.json"),
            get(messages::list).post(messages::create),
        )
        .route(
            &format!("{accounts}/Messages/{{message}}"),
            get(messages::fetch),
        )
        .route(
            &format!("{accounts}/IncomingPhoneNumbers.json"),
            get(account::incoming_phone_numbers),
        )
        .fallback(|uri: Uri| async move { ApiError::not_found(uri.path()) })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .with_state(state)
}

/// HTTP Basic with the Account SID and auth token; anything else is 401 / 20003.
async fn authenticate(State(state): State<SandboxRest>, request: Request, next: Next) -> Response {
    let credentials = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let accepted = credentials
        .as_deref()
        .and_then(|text| text.split_once(':'))
        .is_some_and(|(sid, token)| state.credentials.accepts(sid, token));
    if accepted {
        next.run(request).await
    } else {
        ApiError::authenticate().into_response()
    }
}

/// The SID in a `{Sid}.json` path segment.
fn json_sid<'a>(segment: &'a str, uri: &Uri) -> Result<&'a str, ApiError> {
    segment
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

/// `/2010-04-01/Accounts/{AC}`: the account's resources' base path.
fn account_path(state: &SandboxRest) -> String {
    format!("/2010-04-01/Accounts/{}", state.credentials.account_sid)
}

/// The sandbox number, for the handlers' sender checks.
fn sandbox_number(state: &SandboxRest) -> &str {
    &state.credentials.phone_number
}

/// The auth token, for the Account resource (Twilio returns it to its owner).
fn auth_token(state: &SandboxRest) -> &str {
    state.credentials.auth_token.expose_secret()
}
