//! The effective settings: every key resolved, published through a `watch` channel. A call copies
//! the current `Arc` when it starts, so later edits apply to the next call only.

use super::resolve::Resolved;
use app::api::{SettingKey, SettingSource};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// Every key's effective value (secrets decrypted, in memory only).
#[derive(Clone, Default)]
pub struct EffectiveSettings {
    values: BTreeMap<SettingKey, Resolved>,
}

impl EffectiveSettings {
    /// Builds from resolved values.
    pub fn new(values: BTreeMap<SettingKey, Resolved>) -> Self {
        EffectiveSettings { values }
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

    /// Whether Twilio is switched on.
    pub fn twilio_enabled(&self) -> bool {
        self.get(SettingKey::TwilioEnabled) == "true"
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
