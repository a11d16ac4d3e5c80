//! Twilio's `X-Twilio-Signature`, checked against the URL rebuilt from the configured public base
//! URL (never the Host header, which proxies and tunnels rewrite) plus the path and query exactly
//! as received, with the current Auth Token:
//! - [`VerifiedTwilio`] reads a form-encoded webhook and checks it (URL + sorted parameters);
//! - [`VerifiedUpgrade`] checks a Media Streams WebSocket upgrade: Twilio signs the `wss://` URL
//!   it connects to, with no parameters (protocols.md 3.5), so the URL is rebuilt with the ws
//!   scheme of the base (`wss` for https, `ws` for a plain-http base in development).
//!
//! Both accept the port variants of `signature::verify` and answer 403 otherwise, logged without
//! the body.

use crate::calls::public_base_url;
use crate::http::AppState;
use crate::twilio::signature;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// The largest webhook body accepted (Twilio's are a few kilobytes).
const MAX_BODY: usize = 64 * 1024;

/// The verified form parameters of a Twilio webhook, in the order received.
pub struct VerifiedTwilio(pub Vec<(String, String)>);

impl VerifiedTwilio {
    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The WebSocket form of a public base URL: https gives wss, http gives ws.
pub fn ws_base_url(base: &str) -> String {
    if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    }
}

/// The URL Twilio requested: `base` plus the path and query as received (never re-encoded).
fn requested_url(base: &str, uri: &Uri) -> String {
    let path_and_query = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    format!("{base}{path_and_query}")
}

/// Whether the request's signature matches `url` and `params` under the current Auth Token; a
/// mismatch is logged.
fn signed(state: &AppState, parts: &Parts, url: &str, params: &[(String, String)]) -> bool {
    let settings = state.settings.current();
    let token = settings.twilio_auth_token();
    let given = parts
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let valid = match given {
        Some(given) if !token.is_empty() => signature::verify(token, url, params, given),
        _ => false,
    };
    if !valid {
        crate::metrics::signature_failure(parts.uri.path());
        tracing::warn!(path = %parts.uri.path(), signed = given.is_some(), "Twilio request refused: missing or wrong signature");
    }
    valid
}

fn public_base(state: &AppState) -> String {
    public_base_url(&state.settings.current(), &state.public_fallback.0)
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "invalid signature").into_response()
}

impl FromRequest<AppState> for VerifiedTwilio {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| (StatusCode::BAD_REQUEST, "unreadable body").into_response())?;
        let params: Vec<(String, String)> =
            url::form_urlencoded::parse(&bytes).into_owned().collect();
        let url = requested_url(&public_base(state), &parts.uri);
        if !signed(state, &parts, &url, &params) {
            return Err(forbidden());
        }
        Ok(VerifiedTwilio(params))
    }
}

/// A Media Streams upgrade request whose signature is Twilio's (see the module doc).
pub struct VerifiedUpgrade;

impl FromRequestParts<AppState> for VerifiedUpgrade {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let url = requested_url(&ws_base_url(&public_base(state)), &parts.uri);
        if signed(state, parts, &url, &[]) {
            Ok(VerifiedUpgrade)
        } else {
            Err(forbidden())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_url_keeps_the_query_as_received_under_the_public_base() {
        let uri: Uri = "/api/v1/orders/7/twilio-status?call=12&x=a%20b"
            .parse()
            .unwrap();
        assert_eq!(
            requested_url("https://d.example", &uri),
            "https://d.example/api/v1/orders/7/twilio-status?call=12&x=a%20b"
        );
    }

    #[test]
    fn the_websocket_url_takes_the_ws_scheme_of_the_base() {
        assert_eq!(ws_base_url("https://d.example"), "wss://d.example");
        assert_eq!(ws_base_url("http://127.0.0.1:3000"), "ws://127.0.0.1:3000");
    }
}
