//! [`VerifiedTwilio`]: an extractor that reads a form-encoded Twilio webhook and checks its
//! `X-Twilio-Signature` against the URL rebuilt from the configured public base URL (never the
//! Host header, which proxies and tunnels rewrite) with the current Auth Token.

use crate::calls::public_base_url;
use crate::http::AppState;
use crate::twilio::signature;
use app::api::SettingKey;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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

impl FromRequest<AppState> for VerifiedTwilio {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| (StatusCode::BAD_REQUEST, "unreadable body").into_response())?;
        let params: Vec<(String, String)> =
            url::form_urlencoded::parse(&bytes).into_owned().collect();
        let settings = state.settings.current();
        let token = settings.get(SettingKey::TwilioAuthToken);
        let base = public_base_url(&settings, &state.public_fallback.0);
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |pq| pq.as_str());
        let url = format!("{base}{path_and_query}");
        let given = parts
            .headers
            .get("x-twilio-signature")
            .and_then(|v| v.to_str().ok());
        let valid = match given {
            Some(given) if !token.is_empty() => signature::verify(token, &url, &params, given),
            _ => false,
        };
        if !valid {
            tracing::warn!(path = %parts.uri.path(), signed = given.is_some(), "Twilio webhook refused: missing or wrong signature");
            return Err((StatusCode::FORBIDDEN, "invalid signature").into_response());
        }
        Ok(VerifiedTwilio(params))
    }
}
