//! Requests the emulated Twilio makes to webhooks, signed exactly as Twilio signs them
//! (protocols.md 3): `X-Twilio-Signature` over the full URL plus the sorted form parameters for
//! a POST, over the URL with its query for a GET; `User-Agent: TwilioProxy/1.1`; a fresh
//! `I-Twilio-Idempotency-Token` per request. [`SignedPoster`] answers the status and body (the
//! call engine reads TwiML from it) and never panics; it does not retry, that is its caller's
//! choice.

use crate::twilio::signature;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How long a webhook request may take by default (Twilio's own default is 15 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of a webhook's answer that is read (TwiML is small).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A webhook method (`Method`, `StatusCallbackMethod`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpMethod {
    Get,
    #[default]
    Post,
}

impl HttpMethod {
    /// Reads `GET` or `POST` (any case, as Twilio accepts).
    pub fn parse(text: &str) -> Option<Self> {
        if text.eq_ignore_ascii_case("GET") {
            Some(HttpMethod::Get)
        } else if text.eq_ignore_ascii_case("POST") {
            Some(HttpMethod::Post)
        } else {
            None
        }
    }

    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// A webhook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    pub status: u16,
    /// `Content-Type`, if given (TwiML comes as `text/xml` or `application/xml`).
    pub content_type: Option<String>,
    /// The body as text (lossy UTF-8), at most 1 MiB.
    pub body: String,
}

/// Why a webhook request got no answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CallbackError {
    #[error("not a valid http(s) URL: {0}")]
    InvalidUrl(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("request failed: {0}")]
    Network(String),
    #[error("the answer is larger than 1 MiB")]
    TooLarge,
}

/// Signs and sends webhook requests with the account's auth token.
#[derive(Clone)]
pub struct SignedPoster {
    http: reqwest::Client,
    auth_token: SecretString,
    timeout: Duration,
}

impl std::fmt::Debug for SignedPoster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedPoster")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// `url` with `params` appended to its query (form-encoded), as a GET webhook is requested.
pub fn url_with_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

impl SignedPoster {
    /// A poster signing with `auth_token`, each request limited to [`DEFAULT_TIMEOUT`].
    pub fn new(http: reqwest::Client, auth_token: SecretString) -> Self {
        SignedPoster {
            http,
            auth_token,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same poster with another per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The signing key, for a component that signs on its own (the Media Streams upgrade).
    pub fn auth_token(&self) -> SecretString {
        self.auth_token.clone()
    }

    /// `POST url` with `params` form-encoded, signed over the URL and the sorted params.
    pub async fn post(
        &self,
        url: &str,
        params: &[(String, String)],
    ) -> Result<WebhookResponse, CallbackError> {
        self.send(HttpMethod::Post, url, params).await
    }

    /// `GET url` with `params` in the query, signed over the full URL.
    pub async fn get(
        &self,
        url: &str,
        params: &[(String, String)],
    ) -> Result<WebhookResponse, CallbackError> {
        self.send(HttpMethod::Get, url, params).await
    }

    /// Sends `params` to `url` with `method`, signed as Twilio signs.
    pub async fn send(
        &self,
        method: HttpMethod,
        url: &str,
        params: &[(String, String)],
    ) -> Result<WebhookResponse, CallbackError> {
        let parsed = url::Url::parse(url).map_err(|_| CallbackError::InvalidUrl(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(CallbackError::InvalidUrl(url.to_owned()));
        }
        let token = self.auth_token.expose_secret();
        let request = match method {
            HttpMethod::Post => {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(params)
                    .finish();
                self.http
                    .post(url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded; charset=utf-8",
                    )
                    .header("X-Twilio-Signature", signature::sign(token, url, params))
                    .body(body)
            }
            HttpMethod::Get => {
                let full = url_with_query(url, params);
                let signed = signature::sign(token, &full, &[]);
                self.http.get(full).header("X-Twilio-Signature", signed)
            }
        };
        let response = request
            .header(reqwest::header::USER_AGENT, "TwilioProxy/1.1")
            .header(reqwest::header::ACCEPT, "*/*")
            .header(
                "I-Twilio-Idempotency-Token",
                uuid::Uuid::new_v4().to_string(),
            )
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response).await.map_err(|e| match e {
            ReadError::TooLarge => CallbackError::TooLarge,
            ReadError::Http(e) => self.failure(e),
        })?;
        Ok(WebhookResponse {
            status,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn failure(&self, error: reqwest::Error) -> CallbackError {
        if error.is_timeout() {
            CallbackError::Timeout(self.timeout)
        } else {
            // Without the URL: a webhook URL may carry a token in its query.
            CallbackError::Network(error.without_url().to_string())
        }
    }
}

enum ReadError {
    TooLarge,
    Http(reqwest::Error),
}

/// Reads the body chunk by chunk, refusing more than [`MAX_BODY_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Http)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_params_are_appended_to_the_query_encoded() {
        let params = vec![
            ("CallStatus".to_owned(), "in-progress".to_owned()),
            ("To".to_owned(), "+33612345678".to_owned()),
        ];
        assert_eq!(
            url_with_query("https://desk.example/status", &params),
            "https://desk.example/status?CallStatus=in-progress&To=%2B33612345678"
        );
        assert_eq!(
            url_with_query("https://desk.example/status?order=7", &params[..1]),
            "https://desk.example/status?order=7&CallStatus=in-progress"
        );
        assert_eq!(
            url_with_query("https://x.example/", &[]),
            "https://x.example/"
        );
    }

    #[test]
    fn methods_parse_in_any_case() {
        assert_eq!(HttpMethod::parse("get"), Some(HttpMethod::Get));
        assert_eq!(HttpMethod::parse("POST"), Some(HttpMethod::Post));
        assert_eq!(HttpMethod::parse("PUT"), None);
    }

    #[tokio::test]
    async fn a_url_that_is_not_http_is_refused_without_a_request() {
        let poster = SignedPoster::new(reqwest::Client::new(), SecretString::from("t".to_owned()));
        assert_eq!(
            poster.post("ftp://x.example/", &[]).await,
            Err(CallbackError::InvalidUrl("ftp://x.example/".to_owned()))
        );
        assert!(matches!(
            poster.get("not a url", &[]).await,
            Err(CallbackError::InvalidUrl(_))
        ));
    }
}
