//! The effective settings: every key resolved, published through a `watch` channel. A call copies
//! the current `Arc` when it starts, so later edits apply to the next call only.

use super::resolve::Resolved;
use app::api::{SettingKey, SettingSource, SettingView};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// Every key's effective value (secrets decrypted, in memory only), and the sandbox's Twilio
/// account when the sandbox stands in for Twilio.
#[derive(Clone, Default)]
pub struct EffectiveSettings {
    values: BTreeMap<SettingKey, Resolved>,
    sandbox: Option<Arc<SandboxTwilio>>,
}

/// The emulated Twilio account (`crate::sandbox`) that calls and texts use while the sandbox is
/// on: Twilio not configured, or `TWILIO_SANDBOX=1`.
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxTwilio {
    pub account_sid: String,
    pub auth_token: String,
    pub phone_number: String,
    /// The emulator's REST base, e.g. `http://127.0.0.1:3000/sandbox/twilio`.
    pub api_base: String,
}

/// When the sandbox stands in for Twilio (`TWILIO_SANDBOX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxMode {
    /// While Twilio is not configured (unset).
    #[default]
    Auto,
    /// Always (`TWILIO_SANDBOX=1`).
    Forced,
    /// Never (`TWILIO_SANDBOX=0`).
    Off,
}

impl std::str::FromStr for SandboxMode {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "" => Ok(SandboxMode::Auto),
            "1" | "true" => Ok(SandboxMode::Forced),
            "0" | "false" => Ok(SandboxMode::Off),
            other => Err(format!("must be 1 or 0, not {other:?}")),
        }
    }
}

impl EffectiveSettings {
    /// Builds from resolved values.
    pub fn new(values: BTreeMap<SettingKey, Resolved>) -> Self {
        EffectiveSettings {
            values,
            sandbox: None,
        }
    }

    /// The same settings with the sandbox standing in for Twilio.
    pub fn with_sandbox(mut self, sandbox: SandboxTwilio) -> Self {
        self.sandbox = Some(Arc::new(sandbox));
        self
    }

    /// The sandbox account, when the sandbox is on.
    pub fn sandbox(&self) -> Option<&SandboxTwilio> {
        self.sandbox.as_deref()
    }

    /// Whether Twilio's three connection fields are filled in (the sandbox aside).
    pub fn twilio_configured(&self) -> bool {
        self.get(SettingKey::TwilioEnabled) == "true"
            && [
                SettingKey::TwilioAccountSid,
                SettingKey::TwilioAuthToken,
                SettingKey::TwilioPhoneNumber,
            ]
            .iter()
            .all(|key| !self.get(*key).is_empty())
    }

    /// The Twilio account calls and texts use: the sandbox's while it is on, else the settings'.
    pub fn twilio_account_sid(&self) -> &str {
        self.sandbox().map_or_else(
            || self.get(SettingKey::TwilioAccountSid),
            |s| &s.account_sid,
        )
    }

    /// The auth token of [`twilio_account_sid`](Self::twilio_account_sid)'s account (it also
    /// signs the webhooks).
    pub fn twilio_auth_token(&self) -> &str {
        self.sandbox()
            .map_or_else(|| self.get(SettingKey::TwilioAuthToken), |s| &s.auth_token)
    }

    /// The number calls and texts come from.
    pub fn twilio_phone_number(&self) -> &str {
        self.sandbox().map_or_else(
            || self.get(SettingKey::TwilioPhoneNumber),
            |s| &s.phone_number,
        )
    }

    /// The REST base to use: the sandbox's while it is on, else `configured` (TWILIO_API_BASE_URL).
    pub fn twilio_api_base<'a>(&'a self, configured: &'a str) -> &'a str {
        self.sandbox().map_or(configured, |s| &s.api_base)
    }

    /// The effective value ("" when unset).
    pub fn get(&self, key: SettingKey) -> &str {
        self.values.get(&key).map_or("", |r| r.value.as_str())
    }

    /// Where the value comes from.
    pub fn source(&self, key: SettingKey) -> SettingSource {
        self.values
            .get(&key)
            .map_or(SettingSource::Default, |r| r.source)
    }

    /// Whether Twilio is switched on (the sandbox counts).
    pub fn twilio_enabled(&self) -> bool {
        self.sandbox.is_some() || self.get(SettingKey::TwilioEnabled) == "true"
    }
}

/// Secrets never appear in logs: their values print as `[redacted]`.
impl std::fmt::Debug for EffectiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (key, resolved) in &self.values {
            if key.is_secret() {
                let shown = if resolved.value.is_empty() {
                    ""
                } else {
                    "[redacted]"
                };
                map.entry(&key.as_str(), &shown);
            } else {
                map.entry(&key.as_str(), &resolved.value);
            }
        }
        map.entry(&"sandbox", &self.sandbox.is_some());
        map.finish()
    }
}

/// Read access to the current effective settings.
#[derive(Clone)]
pub struct SettingsHandle {
    receiver: watch::Receiver<Arc<EffectiveSettings>>,
}

impl SettingsHandle {
    /// Wraps a receiver.
    pub fn new(receiver: watch::Receiver<Arc<EffectiveSettings>>) -> Self {
        SettingsHandle { receiver }
    }

    /// A snapshot of the current settings (cheap: an `Arc` clone).
    pub fn current(&self) -> Arc<EffectiveSettings> {
        self.receiver.borrow().clone()
    }
}

/// The page's view of one key: secrets show only whether they are set and their last 4 characters.
pub fn view_of(settings: &EffectiveSettings, key: SettingKey) -> SettingView {
    let value = settings.get(key);
    let (value, secret_hint) = if key.is_secret() {
        let hint = (!value.is_empty()).then(|| {
            let tail: String = value
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("set, ends in {tail}")
        });
        (String::new(), hint)
    } else {
        (value.to_owned(), None)
    };
    SettingView {
        key,
        value,
        secret_hint,
        source: settings.source(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets_but_shows_other_values() {
        let mut values = BTreeMap::new();
        values.insert(
            SettingKey::TwilioAuthToken,
            Resolved {
                value: "supersecrettoken".into(),
                source: SettingSource::Database,
            },
        );
        values.insert(
            SettingKey::TwilioPhoneNumber,
            Resolved {
                value: "+15005550006".into(),
                source: SettingSource::Database,
            },
        );
        let text = format!("{:?}", EffectiveSettings::new(values));
        assert!(!text.contains("supersecrettoken"), "{text}");
        assert!(
            text.contains("[redacted]") && text.contains("+15005550006"),
            "{text}"
        );
    }
}
