//! External providers: the AI voice sessions of the audio bridge behind one channel handle
//! (`session`), their wire formats (`openai`, `gemini`), what the agent is told (`script`) and in
//! which language (`language`), the
//! handshakes shared with "Test connection" (`handshake`), and `network`: the plain words for a
//! failed connection, shared with the Twilio client and the settings checks.

pub mod demo;
pub mod gemini;
pub mod handshake;
pub mod language;
pub mod network;
pub mod openai;
pub mod script;
pub mod session;

use crate::settings::{EffectiveSettings, ExternalUrls};
use app::api::{Provider, SettingKey};
use secrecy::SecretString;
use std::time::Duration;

/// Opens the agent's session for one call with `provider`: its key, model and voice (and for
/// OpenAI the audio format) from `settings`, its address from `urls`. Each handshake step waits
/// `wait` at most. The agent speaks once the bridge calls [`session::ProviderSession::greet`].
pub async fn connect(
    provider: Provider,
    settings: &EffectiveSettings,
    urls: &ExternalUrls,
    script: script::AgentScript,
    wait: Duration,
) -> Result<session::ProviderSession, session::ProviderFailure> {
    let setting = |key| settings.get(key).to_owned();
    match provider {
        Provider::Openai => {
            let endpoint = openai::OpenAiEndpoint {
                url: urls.openai_realtime.clone(),
                api_key: SecretString::from(setting(SettingKey::OpenAiApiKey)),
                model: setting(SettingKey::OpenAiModel),
                voice: setting(SettingKey::OpenAiVoice),
                audio_format: setting(SettingKey::OpenAiAudioFormat),
                wait,
            };
            openai::connect(endpoint, script).await
        }
        Provider::Gemini => {
            let endpoint = gemini::GeminiEndpoint {
                url: urls.gemini_live.clone(),
                api_key: SecretString::from(setting(SettingKey::GeminiApiKey)),
                model: setting(SettingKey::GeminiModel),
                voice: setting(SettingKey::GeminiVoice),
                wait,
            };
            gemini::connect(endpoint, script).await
        }
        Provider::Demo => Ok(demo::connect(script, demo::DemoConfig::default())),
    }
}
