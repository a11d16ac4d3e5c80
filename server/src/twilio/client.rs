//! The Twilio REST client (API 2010-04-01): HTTP Basic with the Account SID and Auth Token,
//! form-encoded bodies, JSON answers; errors keep Twilio's numeric code and message. The base URL
//! comes from `TWILIO_API_BASE_URL` so tests (and regional edges) can point it elsewhere.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// A Twilio REST failure.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered with an error body, e.g. code 20003 "Authenticate" (HTTP 401).
    #[error("Twilio error {code}: {message} (HTTP {status})")]
    Api {
        status: u16,
        code: u32,
        message: String,
    },
    /// No answer, or an answer that is not Twilio's JSON.
    #[error("cannot reach Twilio: {0}")]
    Network(String),
}

/// Twilio's error body (`{"code":20003,"message":"Authenticate","more_info":...,"status":401}`).
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<u32>,
    message: Option<String>,
}

/// The parts of the Account resource the connection test shows.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub sid: String,
    pub friendly_name: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
}

#[derive(Debug, Deserialize)]
struct IncomingPhoneNumbers {
    incoming_phone_numbers: Vec<IncomingPhoneNumber>,
}

#[derive(Debug, Deserialize)]
struct IncomingPhoneNumber {
    phone_number: String,
}

/// A client for one account.
#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
}

impl std::fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioClient")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .finish()
    }
}

impl TwilioClient {
    /// A client against `base_url` (e.g. `https://api.twilio.com`).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        account_sid: &str,
        auth_token: SecretString,
    ) -> Self {
        TwilioClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
        }
    }

    fn account_url(&self, rest: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}{rest}",
            self.base_url, self.account_sid
        )
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, TwilioError> {
        let response = self
            .http
            .get(url)
            .query(query)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| TwilioError::Network(e.without_url().to_string()))?;
        parse(response).await
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}.json`: checks the credentials.
    pub async fn fetch_account(&self) -> Result<Account, TwilioError> {
        self.get_json(&self.account_url(".json"), &[]).await
    }

    /// Whether `phone_number` (E.164) is one of the account's numbers.
    pub async fn owns_number(&self, phone_number: &str) -> Result<bool, TwilioError> {
        let list: IncomingPhoneNumbers = self
            .get_json(
                &self.account_url("/IncomingPhoneNumbers.json"),
                &[("PhoneNumber", phone_number)],
            )
            .await?;
        Ok(list
            .incoming_phone_numbers
            .iter()
            .any(|n| n.phone_number == phone_number))
    }
}

/// Turns a response into `T`, or into Twilio's error code and message.
async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, TwilioError> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| TwilioError::Network(e.without_url().to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| TwilioError::Network(format!("unexpected answer from Twilio: {e}")));
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    Err(TwilioError::Api {
        status: status.as_u16(),
        // Like twilio-python: without a parseable body, the HTTP status stands in for the code.
        code: parsed
            .as_ref()
            .and_then(|b| b.code)
            .unwrap_or(u32::from(status.as_u16())),
        message: parsed
            .and_then(|b| b.message)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
    })
}
