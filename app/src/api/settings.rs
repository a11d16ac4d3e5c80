//! Wire types of Settings > Connections: the typed setting keys (one per value), where each
//! effective value comes from, and connection-test results.

use super::UnknownValue;
use crate::i18n::{td_string, Locale};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The sections of the Connections page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Section {
    Twilio,
    OpenAi,
    Gemini,
    Agent,
    Business,
    Operations,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Section; 6] = [
        Section::Twilio,
        Section::OpenAi,
        Section::Gemini,
        Section::Agent,
        Section::Business,
        Section::Operations,
    ];

    /// The heading shown on the page.
    pub fn title(self) -> &'static str {
        match self {
            Section::Twilio => "Twilio",
            Section::OpenAi => "OpenAI Realtime",
            Section::Gemini => "Gemini Live",
            Section::Agent => "Agent",
            Section::Business => "Business",
            Section::Operations => "Operations",
        }
    }

    /// The heading shown on the page, in `locale`.
    pub fn title_in(self, locale: Locale) -> &'static str {
        match self {
            Section::Twilio => td_string!(locale, settings.sections.twilio),
            Section::OpenAi => td_string!(locale, settings.sections.openai),
            Section::Gemini => td_string!(locale, settings.sections.gemini),
            Section::Agent => td_string!(locale, settings.sections.agent),
            Section::Business => td_string!(locale, settings.sections.business),
            Section::Operations => td_string!(locale, settings.sections.operations),
        }
    }
}

/// How a setting is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    Switch,
    Text,
    LongText,
    Secret,
    Number,
    Choice(&'static [(&'static str, &'static str)]),
}

macro_rules! setting_keys {
    ($( $variant:ident => $name:literal, $section:ident, $label:literal, $kind:expr, $env:expr; )*) => {
        /// One operator-tunable value. Stored and sent as [`SettingKey::as_str`]; never a free string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SettingKey { $( $variant, )* }

        impl SettingKey {
            /// Every key, in page order.
            pub const ALL: &'static [SettingKey] = &[ $( SettingKey::$variant, )* ];

            /// The stable name used in the database and the wire.
            pub fn as_str(self) -> &'static str {
                match self { $( SettingKey::$variant => $name, )* }
            }

            /// The section of the page the key belongs to.
            pub fn section(self) -> Section {
                match self { $( SettingKey::$variant => Section::$section, )* }
            }

            /// The field label on the page.
            pub fn label(self) -> &'static str {
                match self { $( SettingKey::$variant => $label, )* }
            }

            /// How the field is edited.
            pub fn kind(self) -> SettingKind {
                match self { $( SettingKey::$variant => $kind, )* }
            }

            /// The environment variable that overrides the stored value, if any.
            pub fn env_var(self) -> Option<&'static str> {
                match self { $( SettingKey::$variant => $env, )* }
            }
        }
    };
}

const AUDIO_FORMATS: &[(&str, &str)] = &[
    ("audio/pcmu", "audio/pcmu (G.711 passthrough)"),
    ("audio/pcm", "audio/pcm 24 kHz"),
];
const PROVIDERS: &[(&str, &str)] = &[
    ("openai", "OpenAI Realtime"),
    ("gemini", "Gemini Live"),
    ("demo", "Demo agent (offline, no key)"),
];
const MACHINE: &[(&str, &str)] = &[
    ("hang_up", "Hang up"),
    ("leave_message", "Leave a short message"),
];

setting_keys! {
    TwilioEnabled => "twilio_enabled", Twilio, "Enable Twilio", SettingKind::Switch, Some("ENABLE_TWILIO");
    TwilioAccountSid => "twilio_account_sid", Twilio, "Account SID", SettingKind::Text, Some("TWILIO_ACCOUNT_SID");
    TwilioAuthToken => "twilio_auth_token", Twilio, "Auth Token", SettingKind::Secret, Some("TWILIO_AUTH_TOKEN");
    TwilioPhoneNumber => "twilio_phone_number", Twilio, "Phone Number", SettingKind::Text, Some("TWILIO_PHONE_NUMBER");
    TwilioMessagingServiceSid => "twilio_messaging_service_sid", Twilio, "Messaging Service SID", SettingKind::Text, Some("TWILIO_MESSAGING_SERVICE_SID");
    PublicBaseUrl => "public_base_url", Twilio, "Public base URL", SettingKind::Text, Some("PUBLIC_BASE_URL");
    OpenAiApiKey => "openai_api_key", OpenAi, "API key", SettingKind::Secret, Some("OPENAI_API_KEY");
    OpenAiModel => "openai_model", OpenAi, "Model", SettingKind::Text, Some("OPENAI_REALTIME_MODEL");
    OpenAiVoice => "openai_voice", OpenAi, "Voice", SettingKind::Text, None;
    OpenAiAudioFormat => "openai_audio_format", OpenAi, "Audio format toward OpenAI", SettingKind::Choice(AUDIO_FORMATS), None;
    GeminiApiKey => "gemini_api_key", Gemini, "API key", SettingKind::Secret, Some("GEMINI_API_KEY");
    GeminiModel => "gemini_model", Gemini, "Model", SettingKind::Text, Some("GEMINI_LIVE_MODEL");
    GeminiVoice => "gemini_voice", Gemini, "Voice", SettingKind::Text, None;
    AgentProvider => "agent_provider", Agent, "Default provider", SettingKind::Choice(PROVIDERS), Some("AGENT_PROVIDER");
    AgentLanguage => "agent_language", Agent, "Language", SettingKind::Text, None;
    BusinessName => "business_name", Agent, "Business name", SettingKind::Text, None;
    AgentGreeting => "agent_greeting", Agent, "Greeting", SettingKind::LongText, None;
    AgentInstructions => "agent_instructions", Agent, "Instructions", SettingKind::LongText, None;
    AgentMaxCallMinutes => "agent_max_call_minutes", Agent, "Maximum call length (minutes)", SettingKind::Number, None;
    AgentMachineBehaviour => "agent_machine_behaviour", Agent, "When an answering machine picks up", SettingKind::Choice(MACHINE), None;
    AgentCaptureCalls => "agent_capture_calls", Agent, "Capture calls' raw audio messages (troubleshooting, for orderline replay)", SettingKind::Switch, Some("CAPTURE_CALLS");
    MaxConcurrentCalls => "max_concurrent_calls", Agent, "Simultaneous calls allowed", SettingKind::Number, None;
    CallAllowedCountries => "call_allowed_countries", Agent, "Countries calls may reach (ISO codes, e.g. FR, BE)", SettingKind::Text, Some("CALL_ALLOWED_COUNTRIES");
    BusinessTimeZone => "business_time_zone", Business, "Time zone (IANA name, e.g. Europe/Paris)", SettingKind::Text, Some("BUSINESS_TIME_ZONE");
    Currency => "currency", Business, "Currency (ISO code, e.g. EUR)", SettingKind::Text, Some("CURRENCY");
    ShutdownGraceSeconds => "shutdown_grace_seconds", Operations, "Time live calls get to finish on shutdown (seconds)", SettingKind::Number, Some("SHUTDOWN_GRACE_SECONDS");
    MetricsToken => "metrics_token", Operations, "Metrics bearer token", SettingKind::Secret, Some("METRICS_TOKEN");
}

impl SettingKey {
    /// Whether the value is a secret: encrypted at rest, never sent to the browser.
    pub fn is_secret(self) -> bool {
        self.kind() == SettingKind::Secret
    }

    /// The keys of one section, in page order.
    pub fn in_section(section: Section) -> impl Iterator<Item = SettingKey> {
        SettingKey::ALL
            .iter()
            .copied()
            .filter(move |key| key.section() == section)
    }

    /// The field label on the page, in `locale` ([`SettingKey::label`] is the English one).
    pub fn label_in(self, locale: Locale) -> &'static str {
        use SettingKey as K;
        match self {
            K::TwilioEnabled => td_string!(locale, settings.keys.twilio_enabled),
            K::TwilioAccountSid => td_string!(locale, settings.keys.twilio_account_sid),
            K::TwilioAuthToken => td_string!(locale, settings.keys.twilio_auth_token),
            K::TwilioPhoneNumber => td_string!(locale, settings.keys.twilio_phone_number),
            K::TwilioMessagingServiceSid => td_string!(locale, settings.keys.twilio_messaging_sid),
            K::PublicBaseUrl => td_string!(locale, settings.keys.public_base_url),
            K::OpenAiApiKey => td_string!(locale, settings.keys.openai_api_key),
            K::OpenAiModel => td_string!(locale, settings.keys.openai_model),
            K::OpenAiVoice => td_string!(locale, settings.keys.openai_voice),
            K::OpenAiAudioFormat => td_string!(locale, settings.keys.openai_audio_format),
            K::GeminiApiKey => td_string!(locale, settings.keys.gemini_api_key),
            K::GeminiModel => td_string!(locale, settings.keys.gemini_model),
            K::GeminiVoice => td_string!(locale, settings.keys.gemini_voice),
            K::AgentProvider => td_string!(locale, settings.keys.agent_provider),
            K::AgentLanguage => td_string!(locale, settings.keys.agent_language),
            K::BusinessName => td_string!(locale, settings.keys.business_name),
            K::AgentGreeting => td_string!(locale, settings.keys.agent_greeting),
            K::AgentInstructions => td_string!(locale, settings.keys.agent_instructions),
            K::AgentMaxCallMinutes => td_string!(locale, settings.keys.agent_max_call_minutes),
            K::AgentMachineBehaviour => td_string!(locale, settings.keys.agent_machine_behaviour),
            K::AgentCaptureCalls => td_string!(locale, settings.keys.agent_capture_calls),
            K::MaxConcurrentCalls => td_string!(locale, settings.keys.max_concurrent_calls),
            K::CallAllowedCountries => td_string!(locale, settings.keys.call_allowed_countries),
            K::BusinessTimeZone => td_string!(locale, settings.keys.business_time_zone),
            K::Currency => td_string!(locale, settings.keys.currency),
            K::ShutdownGraceSeconds => td_string!(locale, settings.keys.shutdown_grace_seconds),
            K::MetricsToken => td_string!(locale, settings.keys.metrics_token),
        }
    }

    /// The label of a [`SettingKind::Choice`] value in `locale` (`None`: a value no key offers).
    pub fn choice_label_in(value: &str, locale: Locale) -> Option<&'static str> {
        Some(match value {
            "audio/pcmu" => td_string!(locale, settings.choices.audio_pcmu),
            "audio/pcm" => td_string!(locale, settings.choices.audio_pcm),
            "openai" => td_string!(locale, settings.choices.openai),
            "gemini" => td_string!(locale, settings.choices.gemini),
            "demo" => td_string!(locale, settings.choices.demo),
            "hang_up" => td_string!(locale, settings.choices.hang_up),
            "leave_message" => td_string!(locale, settings.choices.leave_message),
            _ => return None,
        })
    }
}

impl FromStr for SettingKey {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SettingKey::ALL
            .iter()
            .copied()
            .find(|key| key.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl Serialize for SettingKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SettingKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// Where an effective value comes from. The order is the precedence: environment wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    Default,
    Database,
    Environment,
}

/// One setting as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingView {
    pub key: SettingKey,
    /// The effective value; always empty for secrets.
    pub value: String,
    /// For a secret that is set: "set, ends in 1a2b".
    pub secret_hint: Option<String>,
    pub source: SettingSource,
}

impl SettingView {
    /// Set by the environment, so the page shows it locked.
    pub fn locked(&self) -> bool {
        self.source == SettingSource::Environment
    }
}

/// One line of a connection test ("Account", "Phone number", "Public URL", "Handshake").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub label: String,
    pub ok: bool,
    pub detail: String,
}

/// The result of "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub lines: Vec<CheckLine>,
}

impl ConnectionTest {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|line| line.ok)
    }
}

/// One recorded settings change (never the value of a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user: String,
    pub key: SettingKey,
    pub action: String,
}

/// The webhook URLs Twilio will be given for a public base URL (`{order_id}` left as a placeholder).
pub fn webhook_urls(public_base_url: &str) -> [String; 3] {
    let base = public_base_url.trim_end_matches('/');
    ["twilio-voice", "twilio-status", "twilio-sms-status"]
        .map(|hook| format!("{base}/api/v1/orders/{{order_id}}/{hook}"))
}

/// The inbound SMS webhook to paste into the Twilio console (the number's "A message comes in").
pub fn sms_inbound_url(public_base_url: &str) -> String {
    format!(
        "{}/api/v1/twilio/sms-inbound",
        public_base_url.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for key in SettingKey::ALL {
            assert_eq!(key.as_str().parse::<SettingKey>(), Ok(*key));
            assert!(names.insert(key.as_str()));
        }
    }

    #[test]
    fn the_issue_s_environment_variables_map_to_keys() {
        let env: Vec<&str> = SettingKey::ALL.iter().filter_map(|k| k.env_var()).collect();
        for var in [
            "ENABLE_TWILIO",
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_PHONE_NUMBER",
            "TWILIO_MESSAGING_SERVICE_SID",
            "PUBLIC_BASE_URL",
            "OPENAI_API_KEY",
            "OPENAI_REALTIME_MODEL",
            "GEMINI_API_KEY",
            "GEMINI_LIVE_MODEL",
            "AGENT_PROVIDER",
        ] {
            assert!(env.contains(&var), "{var}");
        }
    }

    #[test]
    fn english_labels_are_the_same_localized_or_not() {
        for key in SettingKey::ALL {
            assert_eq!(key.label_in(Locale::en), key.label(), "{key:?}");
            if let SettingKind::Choice(options) = key.kind() {
                for (value, label) in options {
                    assert_eq!(SettingKey::choice_label_in(value, Locale::en), Some(*label));
                }
            }
        }
        for section in Section::ALL {
            assert_eq!(section.title_in(Locale::en), section.title());
        }
    }

    #[test]
    fn keys_travel_under_their_stored_names() {
        let json = serde_json::to_string(&SettingKey::OpenAiVoice).unwrap();
        assert_eq!(json, "\"openai_voice\"");
        assert_eq!(
            serde_json::from_str::<SettingKey>(&json).unwrap(),
            SettingKey::OpenAiVoice
        );
        assert!(serde_json::from_str::<SettingKey>("\"open_ai_voice\"").is_err());
    }

    #[test]
    fn secrets_are_the_tokens_and_api_keys() {
        let secrets: Vec<SettingKey> = SettingKey::ALL
            .iter()
            .copied()
            .filter(|k| k.is_secret())
            .collect();
        assert_eq!(
            secrets,
            [
                SettingKey::TwilioAuthToken,
                SettingKey::OpenAiApiKey,
                SettingKey::GeminiApiKey,
                SettingKey::MetricsToken,
            ]
        );
    }

    #[test]
    fn webhook_urls_follow_the_public_base_url() {
        let urls = webhook_urls("https://abc.ngrok.app/");
        assert_eq!(
            urls[0],
            "https://abc.ngrok.app/api/v1/orders/{order_id}/twilio-voice"
        );
        assert_eq!(
            urls[2],
            "https://abc.ngrok.app/api/v1/orders/{order_id}/twilio-sms-status"
        );
    }
}
