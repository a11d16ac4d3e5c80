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
    /// The connection could not be opened: the request was never sent (safe to retry).
    #[error("cannot connect to Twilio: {0}")]
    Connect(String),
    /// The request may have been sent but no usable answer came back (not safe to retry a create).
    #[error("no usable answer from Twilio: {0}")]
    Network(String),
}

impl TwilioError {
    fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_connect() {
            TwilioError::Connect(error.without_url().to_string())
        } else {
            TwilioError::Network(error.without_url().to_string())
        }
    }
}

/// What `POST .../Calls.json` needs from us.
#[derive(Debug, Clone)]
pub struct CreateCall {
    pub to: String,
    pub from: String,
    /// The voice webhook (TwiML on answer).
    pub url: String,
    pub status_callback: String,
    /// `Enable` or `DetectMessageEnd`, or None for no answering-machine detection.
    pub machine_detection: Option<&'static str>,
    /// Seconds to let it ring.
    pub timeout_seconds: u32,
    /// Maximum call length in seconds.
    pub time_limit_seconds: u32,
}

impl CreateCall {
    /// The form fields, in the documented names; `StatusCallbackEvent` repeated per event.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("To", self.to.clone()),
            ("From", self.from.clone()),
            ("Url", self.url.clone()),
            ("Method", "POST".to_owned()),
            ("StatusCallback", self.status_callback.clone()),
            ("StatusCallbackMethod", "POST".to_owned()),
        ];
        for event in ["initiated", "ringing", "answered", "completed"] {
            form.push(("StatusCallbackEvent", event.to_owned()));
        }
        form.push(("Timeout", self.timeout_seconds.to_string()));
        form.push(("TimeLimit", self.time_limit_seconds.to_string()));
        if let Some(mode) = self.machine_detection {
            form.push(("MachineDetection", mode.to_owned()));
        }
        form
    }
}

/// The parts of a Call resource we keep.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CallResource {
    pub sid: String,
    pub status: String,
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

    /// Sends a request with the account's credentials and a timeout, and parses Twilio's answer.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, TwilioError> {
        let response = request
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(TwilioError::from_reqwest)?;
        parse(response).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, TwilioError> {
        self.send(self.http.get(url).query(query)).await
    }

    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, String)],
    ) -> Result<T, TwilioError> {
        self.send(self.http.post(url).form(form)).await
    }

    /// `POST .../Calls.json`. Retried only when the connection could not be opened (the request
    /// was never sent), so one click never makes two calls.
    pub async fn create_call(&self, call: &CreateCall) -> Result<CallResource, TwilioError> {
        let url = self.account_url("/Calls.json");
        let form = call.form();
        let mut attempt = 0;
        loop {
            match self.post_form(&url, &form).await {
                Err(TwilioError::Connect(reason)) if attempt < 2 => {
                    attempt += 1;
                    tracing::warn!(attempt, %reason, "Twilio unreachable; retrying the call request");
                    tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// Ends a call: `Status=completed` (answered) or `canceled` (queued or ringing). Returns false
    /// when Twilio says the call is already gone (404), which is not an error.
    pub async fn end_call(&self, call_sid: &str, status: &str) -> Result<bool, TwilioError> {
        let url = self.account_url(&format!("/Calls/{call_sid}.json"));
        match self
            .post_form::<CallResource>(&url, &[("Status", status.to_owned())])
            .await
        {
            Ok(_) => Ok(true),
            Err(TwilioError::Api { status: 404, .. }) => Ok(false),
            Err(error) => Err(error),
        }
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

/// Twilio's error, in plain words for the person who pressed Call (with Twilio's code).
pub fn explain(error: &TwilioError) -> String {
    let TwilioError::Api { code, message, .. } = error else {
        return error.to_string();
    };
    let words = match code {
        21211 => "the number called is not a valid phone number",
        21210 | 21212 => {
            "the caller ID (the configured phone number) is not a valid or verified Twilio number"
        }
        21215 => "calls to this country are not allowed by the account's geographic permissions",
        21219 | 21608 => "a trial account can only call verified numbers",
        20003 => "Twilio refused the credentials (check the Account SID and Auth Token)",
        20429 | 429 => "Twilio is rate limiting requests; try again in a moment",
        10004 => "the account's limit of simultaneous calls is reached",
        20404 => "Twilio does not know this resource",
        _ => return format!("Twilio error {code}: {message}"),
    };
    format!("{words} (Twilio error {code}: {message})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u32, message: &str) -> TwilioError {
        TwilioError::Api {
            status: 400,
            code,
            message: message.to_owned(),
        }
    }

    #[test]
    fn known_codes_are_explained_with_the_code_kept() {
        let text = explain(&api(21211, "Invalid 'To' Phone Number"));
        assert!(text.starts_with("the number called is not a valid phone number"));
        assert!(text.contains("21211"));
        assert!(explain(&api(21219, "x")).contains("verified numbers"));
        assert!(explain(&api(10004, "x")).contains("simultaneous calls"));
        assert_eq!(
            explain(&api(99999, "Something new")),
            "Twilio error 99999: Something new"
        );
    }

    #[test]
    fn the_create_form_repeats_status_callback_event() {
        let call = CreateCall {
            to: "+33612345678".into(),
            from: "+15005550006".into(),
            url: "https://d.example/api/v1/orders/1/twilio-voice".into(),
            status_callback: "https://d.example/api/v1/orders/1/twilio-status".into(),
            machine_detection: Some("Enable"),
            timeout_seconds: 30,
            time_limit_seconds: 300,
        };
        let form = call.form();
        let events: Vec<&str> = form
            .iter()
            .filter(|(k, _)| *k == "StatusCallbackEvent")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(events, ["initiated", "ringing", "answered", "completed"]);
        assert!(form.contains(&("MachineDetection", "Enable".to_owned())));
        assert!(form.contains(&("Method", "POST".to_owned())));
    }
}
