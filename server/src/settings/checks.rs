//! "Test connection": the checks behind each section's button. Each returns readable lines;
//! nothing here changes a setting.

use super::{EffectiveSettings, ExternalUrls};
use crate::providers::handshake;
use crate::twilio::{TwilioClient, TwilioError};
use app::api::{CheckLine, ConnectionTest, Health, SettingKey};
use secrecy::SecretString;
use std::time::Duration;

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

fn twilio_error(error: TwilioError) -> String {
    match error {
        TwilioError::Api {
            code: 20003,
            message,
            ..
        } => {
            format!("Twilio error 20003: {message} (wrong Account SID or Auth Token)")
        }
        other => other.to_string(),
    }
}

/// Credentials, phone number ownership, and that the public URL reaches this very server.
pub async fn twilio(
    settings: &EffectiveSettings,
    urls: &ExternalUrls,
    http: &reqwest::Client,
    instance_id: &str,
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
        );
        let account = client.fetch_account().await;
        let credentials_ok = account.is_ok();
        lines.push(line(
            "Account",
            account
                .map(|a| format!("{} ({})", a.friendly_name, a.status))
                .map_err(twilio_error),
        ));
        let number_line = match (credentials_ok, number.is_empty()) {
            (_, true) => Err("no phone number set".to_owned()),
            (false, false) => Err("not checked: the credentials were refused".to_owned()),
            (true, false) => match client.owns_number(number).await {
                Ok(true) => Ok(format!("{number} belongs to this account")),
                Ok(false) => Err(format!("{number} is not a number of this account")),
                Err(error) => Err(twilio_error(error)),
            },
        };
        lines.push(line("Phone number", number_line));
    }
    lines.push(line(
        "Public base URL",
        reaches_this_server(settings.get(SettingKey::PublicBaseUrl), http, instance_id).await,
    ));
    ConnectionTest { lines }
}

/// `GET {public}/api/v1/health` must answer with this instance's id.
async fn reaches_this_server(
    public: &str,
    http: &reqwest::Client,
    instance_id: &str,
) -> Result<String, String> {
    if public.is_empty() {
        return Err("not set".into());
    }
    let url = format!("{}/api/v1/health", public.trim_end_matches('/'));
    let response = http
        .get(&url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("{url} does not answer: {}", e.without_url()))?;
    let health: Health = response
        .json()
        .await
        .map_err(|_| format!("{url} answers, but not with Orderline's health check"))?;
    if health.instance_id == instance_id {
        Ok(format!("{public} reaches this server"))
    } else {
        Err(format!(
            "{public} reaches another Orderline server (instance {})",
            health.instance_id
        ))
    }
}

/// Opens an OpenAI Realtime session and completes the handshake.
pub async fn openai(settings: &EffectiveSettings, urls: &ExternalUrls) -> ConnectionTest {
    let key = settings.get(SettingKey::OpenAiApiKey);
    let result = if key.is_empty() {
        Err("set the API key first".to_owned())
    } else {
        let model = settings.get(SettingKey::OpenAiModel);
        handshake::openai(
            &urls.openai_realtime,
            &SecretString::from(key.to_owned()),
            model,
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
pub async fn gemini(settings: &EffectiveSettings, urls: &ExternalUrls) -> ConnectionTest {
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
        )
        .await
        .map(|()| format!("session set up with {model}"))
        .map_err(|e| e.to_string())
    };
    ConnectionTest {
        lines: vec![line("Live session", result)],
    }
}
