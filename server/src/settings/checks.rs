//! "Test connection": the checks behind each section's button. Each returns readable lines;
//! nothing here changes a setting.

use super::{public_url, EffectiveSettings, ExternalUrls};
use crate::providers::handshake;
use crate::providers::network::NetworkFailure;
use crate::twilio::client::explain;
use crate::twilio::{TwilioClient, TwilioError};
use app::api::{CheckLine, ConnectionTest, Health, SettingKey};
use secrecy::SecretString;
use std::time::Duration;

/// How long each step of a check waits for an answer (tests pass a short wait).
pub const WAIT: Duration = Duration::from_secs(15);

/// The public base URL, as named in advice about it.
const PUBLIC_URL_SETTING: &str = "the Public base URL";

fn line(label: &str, result: Result<String, String>) -> CheckLine {
    let (ok, detail) = match result {
        Ok(detail) => (true, detail),
        Err(detail) => (false, detail),
    };
    CheckLine {
        label: label.to_owned(),
        ok,
        detail,
    }
}

/// Why the phone number was not checked after the account check failed.
fn number_not_checked(account_error: &TwilioError) -> &'static str {
    match account_error {
        error if error.is_refused_credentials() => "not checked: the credentials were refused",
        TwilioError::Api { .. } => "not checked: the account check failed",
        TwilioError::Connect(_) | TwilioError::Network(_) => {
            "not checked: Twilio could not be reached"
        }
    }
}

/// Credentials, phone number ownership, and that the public URL reaches this very server and
/// can be reached by Twilio. Each step waits `wait` at most.
pub async fn twilio(
    settings: &EffectiveSettings,
    urls: &ExternalUrls,
    http: &reqwest::Client,
    instance_id: &str,
    wait: Duration,
) -> ConnectionTest {
    let sid = settings.get(SettingKey::TwilioAccountSid);
    let token = settings.get(SettingKey::TwilioAuthToken);
    let number = settings.get(SettingKey::TwilioPhoneNumber);
    let mut lines = Vec::new();
    if sid.is_empty() || token.is_empty() {
        lines.push(line(
            "Account",
            Err("set the Account SID and the Auth Token first".into()),
        ));
    } else {
        let client = TwilioClient::new(
            http.clone(),
            &urls.twilio_api_base,
            sid,
            SecretString::from(token.to_owned()),
        )
        .with_wait(wait);
        let account = client.fetch_account().await;
        lines.push(line(
            "Account",
            account
                .as_ref()
                .map(|a| format!("{} ({})", a.friendly_name, a.status))
                .map_err(explain),
        ));
        let number_line = match (&account, number.is_empty()) {
            (_, true) => Err("no phone number set".to_owned()),
            (Err(error), false) => Err(number_not_checked(error).to_owned()),
            (Ok(_), false) => match client.owns_number(number).await {
                Ok(true) => Ok(format!("{number} belongs to this account")),
                Ok(false) => Err(format!("{number} is not a number of this account")),
                Err(error) => Err(explain(&error)),
            },
        };
        lines.push(line("Phone number", number_line));
    }
    lines.push(line(
        "Public base URL",
        public_base_url(
            settings.get(SettingKey::PublicBaseUrl),
            http,
            instance_id,
            wait,
        )
        .await,
    ));
    ConnectionTest { lines }
}

/// The public base URL must reach this server (checked from here) and be usable by Twilio
/// (public https, judged from the URL itself): answering here is not enough for Twilio.
async fn public_base_url(
    public: &str,
    http: &reqwest::Client,
    instance_id: &str,
    wait: Duration,
) -> Result<String, String> {
    if public.is_empty() {
        return Err("not set".into());
    }
    let reached = reaches_this_server(public, http, instance_id, wait).await;
    let twilio_cannot = url::Url::parse(public)
        .ok()
        .and_then(|url| public_url::twilio_cannot_use(&url));
    match (reached, twilio_cannot) {
        (Ok(()), None) => Ok(format!("{public} reaches this server")),
        (Ok(()), Some(why)) => Err(format!(
            "{public} reaches this server, but Twilio cannot: {why}"
        )),
        (Err(error), None) => Err(error),
        (Err(error), Some(why)) => Err(format!("{error}. Twilio could not use it anyway: {why}")),
    }
}

/// `GET {public}/api/v1/health` must answer with this instance's id.
async fn reaches_this_server(
    public: &str,
    http: &reqwest::Client,
    instance_id: &str,
    wait: Duration,
) -> Result<(), String> {
    let url = format!("{}/api/v1/health", public.trim_end_matches('/'));
    let response = http
        .get(&url)
        .timeout(wait)
        .send()
        .await
        .map_err(|e| NetworkFailure::from_reqwest(&e, PUBLIC_URL_SETTING, wait).to_string())?;
    let health: Health = response
        .json()
        .await
        .map_err(|_| format!("{url} answers, but not with Orderline's health check"))?;
    if health.instance_id == instance_id {
        Ok(())
    } else {
        Err(format!(
            "{public} reaches another Orderline server (instance {})",
            health.instance_id
        ))
    }
}

/// Opens an OpenAI Realtime session and completes the handshake.
pub async fn openai(
    settings: &EffectiveSettings,
    urls: &ExternalUrls,
    wait: Duration,
) -> ConnectionTest {
    let key = settings.get(SettingKey::OpenAiApiKey);
    let result = if key.is_empty() {
        Err("set the API key first".to_owned())
    } else {
        let model = settings.get(SettingKey::OpenAiModel);
        handshake::openai(
            &urls.openai_realtime,
            &SecretString::from(key.to_owned()),
            model,
            wait,
        )
        .await
        .map(|model| format!("session opened with {model}"))
        .map_err(|e| e.to_string())
    };
    ConnectionTest {
        lines: vec![line("Realtime session", result)],
    }
}

/// Opens a Gemini Live session and completes the setup handshake.
pub async fn gemini(
    settings: &EffectiveSettings,
    urls: &ExternalUrls,
    wait: Duration,
) -> ConnectionTest {
    let key = settings.get(SettingKey::GeminiApiKey);
    let result = if key.is_empty() {
        Err("set the API key first".to_owned())
    } else {
        let model = settings.get(SettingKey::GeminiModel);
        handshake::gemini(
            &urls.gemini_live,
            &SecretString::from(key.to_owned()),
            model,
            settings.get(SettingKey::GeminiVoice),
            wait,
        )
        .await
        .map(|()| format!("session set up with {model}"))
        .map_err(|e| e.to_string())
    };
    ConnectionTest {
        lines: vec![line("Live session", result)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::network::test_servers;
    use crate::settings::resolve::Resolved;
    use std::collections::BTreeMap;

    const SHORT: Duration = Duration::from_millis(300);

    fn settings(values: &[(SettingKey, &str)]) -> EffectiveSettings {
        let values: BTreeMap<SettingKey, Resolved> = values
            .iter()
            .map(|(key, value)| {
                let resolved = Resolved {
                    value: (*value).to_owned(),
                    source: app::api::SettingSource::Database,
                };
                (*key, resolved)
            })
            .collect();
        EffectiveSettings::new(values)
    }

    fn urls(twilio_api_base: String) -> ExternalUrls {
        ExternalUrls {
            twilio_api_base,
            openai_realtime: "ws://127.0.0.1:9/v1/realtime".into(),
            gemini_live: "ws://127.0.0.1:9/gemini".into(),
        }
    }

    async fn public_line(public: &str) -> String {
        public_base_url(public, &reqwest::Client::new(), "instance", SHORT)
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn unreachable_twilio_leaves_the_number_unchecked_for_that_reason() {
        let port = test_servers::closed_port().await;
        let settings = settings(&[
            (
                SettingKey::TwilioAccountSid,
                "AC0123456789abcdef0123456789abcdef",
            ),
            (
                SettingKey::TwilioAuthToken,
                "fedcba9876543210fedcba9876543210",
            ),
            (SettingKey::TwilioPhoneNumber, "+15005550006"),
        ]);
        let test = twilio(
            &settings,
            &urls(format!("http://127.0.0.1:{port}")),
            &reqwest::Client::new(),
            "instance",
            SHORT,
        )
        .await;
        let details: Vec<(&str, bool, &str)> = test
            .lines
            .iter()
            .map(|l| (l.label.as_str(), l.ok, l.detail.as_str()))
            .collect();
        assert_eq!(details.len(), 3);
        assert_eq!(
            details[0].2,
            format!(
                "127.0.0.1:{port} refused the connection (nothing accepts connections on that \
                 port): check TWILIO_API_BASE_URL, or a firewall that rejects outgoing connections"
            )
        );
        assert_eq!(
            details[1],
            (
                "Phone number",
                false,
                "not checked: Twilio could not be reached"
            )
        );
        assert_eq!(details[2], ("Public base URL", false, "not set"));
    }

    #[test]
    fn refused_credentials_and_other_refusals_read_differently() {
        let api = |status, code| TwilioError::Api {
            status,
            code,
            message: "Authenticate".into(),
            retry_after: None,
        };
        assert_eq!(
            explain(&api(401, 20003)),
            "Twilio refused the credentials: wrong Account SID or Auth Token (Twilio error \
             20003: Authenticate)"
        );
        assert_eq!(
            number_not_checked(&api(401, 20003)),
            "not checked: the credentials were refused"
        );
        assert_eq!(
            number_not_checked(&api(404, 20404)),
            "not checked: the account check failed"
        );
    }

    #[tokio::test]
    async fn a_closed_loopback_port_is_refused_and_would_not_do_for_twilio_anyway() {
        let port = test_servers::closed_port().await;
        let detail = public_line(&format!("http://127.0.0.1:{port}")).await;
        assert!(
            detail.starts_with(&format!(
                "127.0.0.1:{port} refused the connection (nothing accepts connections on that \
                 port): check the Public base URL"
            )) && detail.contains(
                ". Twilio could not use it anyway: it is a loopback address and plain http."
            ),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn an_unknown_public_name_is_a_dns_failure() {
        let detail = public_line("https://desk.orderline.invalid").await;
        assert_eq!(
            detail,
            "cannot find desk.orderline.invalid (DNS lookup failed): check this server's DNS \
             and internet access, or the Public base URL"
        );
    }

    #[tokio::test]
    async fn plain_tcp_on_an_https_url_is_a_tls_failure() {
        let port = test_servers::garbling().await;
        let detail = public_line(&format!("https://127.0.0.1:{port}")).await;
        assert!(
            detail.starts_with(&format!(
                "the secure connection (TLS) to 127.0.0.1:{port} failed ("
            )),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn silence_is_a_timeout_with_its_wait() {
        let port = test_servers::silent().await;
        let detail = public_line(&format!("http://127.0.0.1:{port}")).await;
        assert!(
            detail.starts_with(&format!(
                "127.0.0.1:{port} did not answer within 0.3 seconds: check this server's \
                 internet access and firewall, or the Public base URL"
            )),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn handshakes_report_network_failures_in_the_same_words() {
        let port = test_servers::closed_port().await;
        let settings = settings(&[(SettingKey::OpenAiApiKey, "sk-test-0123456789abcdef")]);
        let mut urls = urls(String::new());
        urls.openai_realtime = format!("ws://127.0.0.1:{port}/v1/realtime");
        let test = openai(&settings, &urls, SHORT).await;
        assert!(
            test.lines[0]
                .detail
                .starts_with(&format!("127.0.0.1:{port} refused the connection")),
            "{:?}",
            test.lines
        );
        assert!(test.lines[0].detail.contains("OPENAI_REALTIME_URL"));
    }
}
