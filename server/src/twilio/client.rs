//! The Twilio REST client (API 2010-04-01): HTTP Basic with the Account SID and Auth Token,
//! form-encoded bodies, JSON answers; errors keep Twilio's numeric code and message. The base URL
//! comes from `TWILIO_API_BASE_URL` so tests (and regional edges) can point it elsewhere.

use crate::providers::network::{NetworkFailure, NetworkProblem};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// Where the Twilio API address comes from, named when it cannot be reached.
const BASE_URL_SETTING: &str = "TWILIO_API_BASE_URL";

/// How long a request waits for Twilio by default.
const DEFAULT_WAIT: Duration = Duration::from_secs(15);

/// A Twilio REST failure.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered with an error body, e.g. code 20003 "Authenticate" (HTTP 401).
    #[error("Twilio error {code}: {message} (HTTP {status})")]
    Api {
        status: u16,
        code: u32,
        message: String,
        /// `Retry-After` of a 429 or 503, in seconds.
        retry_after: Option<u64>,
    },
    /// The connection could not be opened: the request was never sent (safe to retry). Says
    /// which of DNS, refused, no route, TLS... and what to check.
    #[error("{0}")]
    Connect(NetworkFailure),
    /// The request may have been sent but no usable answer came back (not safe to retry a
    /// create), e.g. a timeout or a broken answer; the text says which.
    #[error("{0}")]
    Network(String),
}

impl TwilioError {
    /// Keeps reqwest's distinction: a connect error means nothing was sent.
    fn from_reqwest(error: reqwest::Error, wait: Duration) -> Self {
        let failure = NetworkFailure::from_reqwest(&error, BASE_URL_SETTING, wait);
        if error.is_connect() {
            TwilioError::Connect(failure)
        } else if failure.problem == NetworkProblem::Timeout {
            TwilioError::Network(failure.to_string())
        } else {
            TwilioError::Network(format!("no usable answer from Twilio: {}", failure.detail))
        }
    }

    /// Whether Twilio refused the Account SID and Auth Token (20003, or a bare HTTP 401).
    pub fn is_refused_credentials(&self) -> bool {
        matches!(
            self,
            TwilioError::Api { code: 20003, .. } | TwilioError::Api { status: 401, .. }
        )
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

/// The parts of a Call resource we keep (wire form: the status is parsed by its user).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CallResource {
    pub sid: String,
    /// `queued`, `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, `canceled`.
    pub status: String,
    /// Seconds, as a string; null or empty until the call ends.
    #[serde(default)]
    pub duration: Option<String>,
    /// `human`, `machine_start`, ... with answering-machine detection; else null.
    #[serde(default)]
    pub answered_by: Option<String>,
    /// RFC 2822 (`Tue, 31 Aug 2010 20:36:28 +0000`); null until the call ends.
    #[serde(default)]
    pub end_time: Option<String>,
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
    /// How long a request waits for an answer.
    wait: Duration,
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
            wait: DEFAULT_WAIT,
        }
    }

    /// The same client waiting `wait` for each answer (the settings check; tests shorten it).
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    pub(super) fn account_url(&self, rest: &str) -> String {
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
            .timeout(self.wait)
            .send()
            .await
            .map_err(|error| TwilioError::from_reqwest(error, self.wait))?;
        parse(response).await
    }

    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, TwilioError> {
        self.send(self.http.get(url).query(query)).await
    }

    pub(super) async fn post_form<T: serde::de::DeserializeOwned>(
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
        let ended = self
            .post_form::<CallResource>(&url, &[("Status", status.to_owned())])
            .await;
        found(ended).map(|call| call.is_some())
    }

    /// Replaces what a live call does with `twiml` (`POST .../Calls/{CallSid}.json`, `Twiml=`):
    /// the bridge's apology (`<Say>` then `<Hangup/>`). False when the call is already gone.
    pub async fn update_twiml(&self, call_sid: &str, twiml: &str) -> Result<bool, TwilioError> {
        let url = self.account_url(&format!("/Calls/{call_sid}.json"));
        let updated = self
            .post_form::<CallResource>(&url, &[("Twiml", twiml.to_owned())])
            .await;
        found(updated).map(|call| call.is_some())
    }

    /// `GET .../Calls/{CallSid}.json`: the call as Twilio knows it; None when Twilio has no such
    /// call (404).
    pub async fn fetch_call(&self, call_sid: &str) -> Result<Option<CallResource>, TwilioError> {
        let url = self.account_url(&format!("/Calls/{call_sid}.json"));
        found(self.get_json(&url, &[]).await)
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

/// A 404 from Twilio as "no such resource" rather than an error.
fn found<T>(result: Result<T, TwilioError>) -> Result<Option<T>, TwilioError> {
    match result {
        Ok(resource) => Ok(Some(resource)),
        Err(TwilioError::Api { status: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Turns a response into `T`, or into Twilio's error code and message.
async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, TwilioError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    let body = response.bytes().await.map_err(|e| {
        TwilioError::Network(format!("no usable answer from Twilio: {}", e.without_url()))
    })?;
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
        retry_after,
    })
}

/// Twilio's error, in plain words for the person who pressed Call (with Twilio's code).
pub fn explain(error: &TwilioError) -> String {
    let TwilioError::Api { code, message, .. } = error else {
        return error.to_string();
    };
    // What happened, then what to do about it.
    let words = match code {
        21211 => "the number called is not a valid phone number: check the phone on the order",
        21210 | 21212 => {
            "the caller ID (the configured phone number) is not a valid or verified Twilio number: \
             check Settings › Connections › Phone Number"
        }
        21215 => {
            "calls to this country are not allowed by the account's geographic permissions: \
             allow the country in the Twilio console (Voice › Settings › Geo permissions)"
        }
        21219 | 21608 => {
            "a trial account can only call verified numbers: verify this number in the Twilio \
             console, or upgrade the account"
        }
        20003 | 401 => "Twilio refused the credentials: wrong Account SID or Auth Token",
        20429 | 429 => "Twilio is rate limiting requests: try again in a moment",
        10004 => "the account's limit of simultaneous calls is reached: wait for a call to end",
        20404 => "Twilio does not know this resource",
        _ => return format!("Twilio error {code}: {message}"),
    };
    format!("{words} (Twilio error {code}: {message})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::network::test_servers;

    fn api(code: u32, message: &str) -> TwilioError {
        TwilioError::Api {
            status: 400,
            code,
            message: message.to_owned(),
            retry_after: None,
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

    fn client(base: &str) -> TwilioClient {
        TwilioClient::new(
            reqwest::Client::new(),
            base,
            "AC0123456789abcdef0123456789abcdef",
            SecretString::from("token".to_owned()),
        )
        .with_wait(Duration::from_millis(300))
    }

    fn connect_problem(result: Result<Account, TwilioError>) -> NetworkProblem {
        match result {
            Err(TwilioError::Connect(failure)) => failure.problem,
            other => panic!("expected a connect error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_a_refused_connection_never_sent() {
        let port = test_servers::closed_port().await;
        let error = client(&format!("http://127.0.0.1:{port}"))
            .fetch_account()
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("127.0.0.1:{port} refused the connection")),
            "{error}"
        );
        assert_eq!(connect_problem(Err(error)), NetworkProblem::Refused);
    }

    #[tokio::test]
    async fn an_unknown_name_is_a_dns_failure_naming_the_setting() {
        let error = client("https://api.twilio.invalid")
            .fetch_account()
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot find api.twilio.invalid (DNS lookup failed)")
                && text.contains("TWILIO_API_BASE_URL"),
            "{text}"
        );
        assert_eq!(connect_problem(Err(error)), NetworkProblem::Dns);
    }

    #[tokio::test]
    async fn garbage_or_a_hang_up_instead_of_a_tls_handshake_is_a_tls_failure() {
        for port in [
            test_servers::garbling().await,
            test_servers::closing().await,
        ] {
            let result = client(&format!("https://127.0.0.1:{port}"))
                .fetch_account()
                .await;
            assert_eq!(connect_problem(result), NetworkProblem::Tls);
        }
    }

    #[tokio::test]
    async fn silence_is_a_timeout_after_the_request_may_have_been_sent() {
        let port = test_servers::silent().await;
        let error = client(&format!("http://127.0.0.1:{port}"))
            .fetch_account()
            .await
            .unwrap_err();
        let TwilioError::Network(text) = error else {
            panic!("a timeout is not retried: {error:?}");
        };
        assert!(
            text.starts_with(&format!(
                "127.0.0.1:{port} did not answer within 0.3 seconds"
            )),
            "{text}"
        );
    }

    #[test]
    fn refused_credentials_are_20003_or_a_bare_401() {
        assert!(api(20003, "Authenticate").is_refused_credentials());
        let bare = TwilioError::Api {
            status: 401,
            code: 401,
            message: "Unauthorized".into(),
            retry_after: None,
        };
        assert!(bare.is_refused_credentials());
        assert!(explain(&bare).contains("wrong Account SID or Auth Token"));
        assert!(!api(21211, "x").is_refused_credentials());
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
