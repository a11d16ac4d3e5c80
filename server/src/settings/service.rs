//! [`SettingsService`]: loads, resolves, validates, seals and saves settings, records the audit
//! log, publishes the effective settings, and runs the connection tests (`SettingsPort`).

use super::crypto;
use super::effective::view_of;
use super::effective::{EffectiveSettings, SandboxMode, SandboxTwilio, SettingsHandle};
use super::resolve::{resolve, Resolved};
use super::{checks, values};
use crate::config::SecretKey;
use crate::db::{db_error, repo};
use app::api::{
    ApiError, AuditEntry, ConnectionTest, FieldError, Section, SessionUser, SettingKey, SettingView,
};
use app::ports::SettingsPort;
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{watch, Mutex};

/// Base URLs of the external services (environment only; tests point them at fakes).
#[derive(Debug, Clone)]
pub struct ExternalUrls {
    pub twilio_api_base: String,
    pub openai_realtime: String,
    pub gemini_live: String,
}

/// What the environment decides for the settings: the values its variables pin (validated), and
/// the region that reads phone numbers typed without a country code (`DEFAULT_PHONE_REGION`, as
/// for orders). One value so the service gets both through `Config::setting_overrides`. Its
/// `Debug` shows secret values as `[redacted]`.
#[derive(Clone)]
pub struct EnvSettings {
    pub pinned: BTreeMap<SettingKey, String>,
    pub phone_region: phonenumber::country::Id,
    /// `TWILIO_SANDBOX`: when the sandbox stands in for Twilio.
    pub sandbox: SandboxMode,
}

impl std::fmt::Debug for EnvSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pinned: BTreeMap<&str, &str> = self
            .pinned
            .iter()
            .map(|(key, value)| {
                let shown = if key.is_secret() { "[redacted]" } else { value };
                (key.as_str(), shown)
            })
            .collect();
        f.debug_struct("EnvSettings")
            .field("pinned", &pinned)
            .field("phone_region", &self.phone_region)
            .finish()
    }
}

impl Default for EnvSettings {
    /// Nothing pinned; phone numbers read in the default region.
    fn default() -> Self {
        EnvSettings {
            pinned: BTreeMap::new(),
            phone_region: crate::config::DEFAULT_PHONE_REGION,
            sandbox: SandboxMode::Auto,
        }
    }
}

/// Settings backed by the database, with environment overrides.
#[derive(Clone)]
pub struct SettingsService {
    db: DatabaseConnection,
    key: SecretKey,
    /// Values pinned by the environment, validated at start.
    env: Arc<BTreeMap<SettingKey, String>>,
    /// Reads phone numbers typed without a country code.
    phone_region: phonenumber::country::Id,
    urls: ExternalUrls,
    http: reqwest::Client,
    instance_id: String,
    sender: Arc<watch::Sender<Arc<EffectiveSettings>>>,
    /// Serializes save-and-publish so two saves cannot publish out of order.
    write_lock: Arc<Mutex<()>>,
    /// The sandbox's account and when it stands in for Twilio (see [`SandboxMode`]).
    sandbox: Arc<std::sync::RwLock<Option<(SandboxMode, SandboxTwilio)>>>,
    /// Tells the other instances on the same database that a setting was saved.
    cluster: Arc<std::sync::OnceLock<crate::realtime::cluster::Relay>>,
}

/// Reads the environment values of every key that has a variable, validating each (phone numbers
/// read in `phone_region`); the error names the variable.
pub fn env_overrides(
    lookup: impl Fn(&str) -> Option<String>,
    phone_region: phonenumber::country::Id,
) -> Result<EnvSettings, String> {
    let mut pinned = BTreeMap::new();
    for key in SettingKey::ALL {
        let Some(var) = key.env_var() else { continue };
        let Some(raw) = lookup(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let value = values::validate(*key, &raw, phone_region)
            .map_err(|message| format!("{var} {message}"))?;
        pinned.insert(*key, value);
    }
    Ok(EnvSettings {
        pinned,
        phone_region,
        sandbox: SandboxMode::Auto,
    })
}

impl SettingsService {
    /// Loads the stored settings and publishes the effective ones.
    pub async fn start(
        db: DatabaseConnection,
        key: SecretKey,
        env: EnvSettings,
        urls: ExternalUrls,
        instance_id: String,
        http: reqwest::Client,
    ) -> anyhow::Result<(Self, SettingsHandle)> {
        let (sender, receiver) = watch::channel(Arc::new(EffectiveSettings::default()));
        let service = SettingsService {
            db,
            key,
            env: Arc::new(env.pinned),
            phone_region: env.phone_region,
            urls,
            http,
            instance_id,
            sender: Arc::new(sender),
            write_lock: Arc::new(Mutex::new(())),
            sandbox: Arc::default(),
            cluster: Arc::default(),
        };
        service
            .reload()
            .await
            .map_err(|e| anyhow::anyhow!("loading settings: {e}"))?;
        Ok((service, SettingsHandle::new(receiver)))
    }

    /// Sends each saved change to the other instances through `relay` (set once, at start).
    pub fn attach_cluster(&self, relay: crate::realtime::cluster::Relay) {
        let _ = self.cluster.set(relay);
    }

    /// Re-reads the settings another instance changed.
    pub async fn refresh(&self) -> Result<(), ApiError> {
        let _guard = self.write_lock.lock().await;
        self.reload().await.map(drop)
    }

    /// Re-reads the database, resolves every key and publishes the result.
    async fn reload(&self) -> Result<Arc<EffectiveSettings>, ApiError> {
        let rows = repo::settings::load_all(&self.db).await.map_err(db_error)?;
        let mut stored = BTreeMap::new();
        for (name, value) in rows {
            let Ok(key) = name.parse::<SettingKey>() else {
                tracing::warn!(setting = %name, "ignoring an unknown stored setting");
                continue;
            };
            let value = if key.is_secret() {
                match crypto::open(&self.key, key, &value) {
                    Ok(plain) => plain,
                    Err(error) => {
                        tracing::error!(setting = key.as_str(), %error, "stored secret unreadable; treated as unset");
                        continue;
                    }
                }
            } else {
                value
            };
            stored.insert(key, value);
        }
        let resolved: BTreeMap<SettingKey, Resolved> = SettingKey::ALL
            .iter()
            .map(|key| {
                let env = self.env.get(key).map(String::as_str);
                (
                    *key,
                    resolve(
                        env,
                        stored.get(key).map(String::as_str),
                        values::default_value(*key),
                    ),
                )
            })
            .collect();
        let effective = EffectiveSettings::new(resolved);
        let sandbox = match self.sandbox.read() {
            Ok(sandbox) => sandbox.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let effective = match sandbox {
            Some((SandboxMode::Forced, account)) => effective.with_sandbox(account),
            Some((SandboxMode::Auto, account)) if !effective.twilio_configured() => {
                effective.with_sandbox(account)
            }
            _ => effective,
        };
        let effective = Arc::new(effective);
        self.sender.send_replace(effective.clone());
        Ok(effective)
    }

    /// Sets the sandbox's account and mode, and publishes the settings again.
    pub async fn set_sandbox(
        &self,
        mode: SandboxMode,
        account: SandboxTwilio,
    ) -> Result<Arc<EffectiveSettings>, ApiError> {
        let _guard = self.write_lock.lock().await;
        match self.sandbox.write() {
            Ok(mut sandbox) => *sandbox = Some((mode, account)),
            Err(poisoned) => *poisoned.into_inner() = Some((mode, account)),
        }
        self.reload().await
    }

    fn current(&self) -> Arc<EffectiveSettings> {
        self.sender.borrow().clone()
    }
}

#[async_trait::async_trait]
impl SettingsPort for SettingsService {
    fn display(&self) -> app::api::DisplayPrefs {
        let current = self.current();
        app::api::DisplayPrefs {
            time_zone: current.get(SettingKey::BusinessTimeZone).to_owned(),
            currency: current.get(SettingKey::Currency).to_owned(),
            lang: Default::default(),
            // `fr-FR` -> French; a language the interface does not speak -> English.
            business_lang: current
                .get(SettingKey::AgentLanguage)
                .parse()
                .unwrap_or_default(),
        }
    }

    async fn list(&self) -> Result<Vec<SettingView>, ApiError> {
        let current = self.current();
        Ok(SettingKey::ALL
            .iter()
            .map(|key| view_of(&current, *key))
            .collect())
    }

    async fn save(
        &self,
        actor: &SessionUser,
        key: SettingKey,
        raw: &str,
    ) -> Result<SettingView, ApiError> {
        let field_error =
            |message: String| ApiError::Validation(vec![FieldError::new(key.as_str(), message)]);
        if let Some(var) = key.env_var().filter(|_| self.env.contains_key(&key)) {
            return Err(field_error(format!(
                "is set by the environment ({var}); change it there"
            )));
        }
        let value = values::validate(key, raw, self.phone_region).map_err(field_error)?;
        let stored = match (value.is_empty(), key.is_secret()) {
            (true, _) => None,
            (false, true) => Some(crypto::seal(&self.key, key, &value).map_err(|error| {
                tracing::error!(%error, "sealing a secret failed");
                ApiError::Internal
            })?),
            (false, false) => Some(value),
        };
        let _guard = self.write_lock.lock().await;
        let actor_row = repo::row_id(actor.id);
        repo::settings::write(
            &self.db,
            key.as_str(),
            stored,
            repo::settings::Actor {
                id: actor_row,
                name: &actor.name,
            },
        )
        .await
        .map_err(db_error)?;
        let effective = self.reload().await?;
        if let Some(cluster) = self.cluster.get() {
            cluster.publish(crate::realtime::cluster::ClusterMessage::SettingsChanged);
        }
        tracing::info!(
            setting = key.as_str(),
            user_id = actor.id,
            "setting changed"
        );
        Ok(view_of(&effective, key))
    }

    async fn audit(&self) -> Result<Vec<AuditEntry>, ApiError> {
        let rows = repo::settings::audit(&self.db, 100)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let key = row.key.parse().ok()?;
                Some(AuditEntry {
                    at: row.at,
                    user: row.user_name,
                    key,
                    action: row.action,
                })
            })
            .collect())
    }

    async fn test(&self, section: Section) -> Result<ConnectionTest, ApiError> {
        let current = self.current();
        Ok(match section {
            Section::Twilio => {
                checks::twilio(
                    &current,
                    &self.urls,
                    &self.http,
                    &self.instance_id,
                    checks::WAIT,
                )
                .await
            }
            Section::OpenAi => checks::openai(&current, &self.urls, checks::WAIT).await,
            Section::Gemini => checks::gemini(&current, &self.urls, checks::WAIT).await,
            Section::Agent | Section::Business | Section::Operations => {
                return Err(ApiError::BadRequest(format!(
                    "the {} section has no connection to test",
                    section.title()
                )))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_environment_values_name_their_variable() {
        let env = |var: &str| match var {
            "ENABLE_TWILIO" => Some("maybe".to_owned()),
            _ => None,
        };
        let error = env_overrides(env, phonenumber::country::Id::FR).unwrap_err();
        assert!(error.starts_with("ENABLE_TWILIO "), "{error}");
    }

    #[test]
    fn environment_values_are_validated_and_normalized() {
        let env = |var: &str| match var {
            "ENABLE_TWILIO" => Some("1".to_owned()),
            "TWILIO_PHONE_NUMBER" => Some("06 12 34 56 78".to_owned()),
            "GEMINI_LIVE_MODEL" => Some(String::new()),
            _ => None,
        };
        let pinned = env_overrides(env, phonenumber::country::Id::FR)
            .unwrap()
            .pinned;
        assert_eq!(
            pinned.get(&SettingKey::TwilioEnabled).map(String::as_str),
            Some("true")
        );
        assert_eq!(
            pinned
                .get(&SettingKey::TwilioPhoneNumber)
                .map(String::as_str),
            Some("+33612345678"),
            "national numbers are read in DEFAULT_PHONE_REGION"
        );
        assert_eq!(pinned.len(), 2, "empty variables pin nothing");
    }

    #[test]
    fn secrets_are_shown_as_a_hint_never_as_a_value() {
        let mut values = BTreeMap::new();
        values.insert(
            SettingKey::TwilioAuthToken,
            Resolved {
                value: "0123456789abcdef0123456789ab1a2b".into(),
                source: app::api::SettingSource::Database,
            },
        );
        let view = view_of(&EffectiveSettings::new(values), SettingKey::TwilioAuthToken);
        assert_eq!(view.value, "");
        assert_eq!(view.secret_hint.as_deref(), Some("set, ends in 1a2b"));
    }
}
