//! The typed configuration, read from the environment once at start. A bad value fails start-up
//! with a message that names the variable.

use base64::Engine;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A configuration error that names the variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The 32-byte key that encrypts secrets at rest. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut key);
        SecretKey(key)
    }

    /// The raw key bytes, for the cipher.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// Everything the server reads from its environment. Its `Debug` hides the database password.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    /// The URL people and Twilio reach this server at (scheme decides the Secure cookie flag).
    pub public_base_url: url::Url,
    pub secret_key: SecretKey,
    /// `ADMIN_EMAIL` + `ADMIN_PASSWORD`: the admin created at start when missing.
    pub bootstrap_admin: Option<(String, SecretString)>,
    /// Region used to read phone numbers typed without a country code.
    pub default_region: phonenumber::country::Id,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy_headers: bool,
    /// `TRUSTED_PROXY_HOPS`: how many proxies of yours append to `X-Forwarded-For`; the client is
    /// the entry that many places from the right (1: the address your one proxy saw). Read only
    /// with `trust_proxy_headers`; at least 1.
    pub trusted_proxy_hops: usize,
    /// `SESSION_INACTIVITY_MINUTES`: sessions end after this long without a request (a
    /// `Duration`, so tests can use seconds).
    pub session_inactivity: std::time::Duration,
    /// `PASSWORD_HASH_CONCURRENCY`: argon2 hashes allowed at once (about 19 MiB each); more
    /// sign-in or setup requests than this are answered 503 at once. Default: the number of
    /// cores. Tests may set 0 to see the busy answer without racing real hashes.
    pub password_hash_concurrency: usize,
    /// `SMS_RATE_PER_SECOND` (texts per second per sender, default 1, Twilio's long-code pace;
    /// 0 lifts the limit) and `SMS_LEASE_SECONDS` (how long a text being posted belongs to the
    /// instance that took it, default 30).
    pub sms_outbox: crate::sms::outbox::OutboxConfig,
    pub data_dir: PathBuf,
    /// `TWILIO_API_BASE_URL`, `OPENAI_REALTIME_URL`, `GEMINI_LIVE_URL`.
    pub external_urls: crate::settings::ExternalUrls,
    /// Settings pinned by their environment variables (validated), with the phone region the
    /// settings read numbers in (the same `DEFAULT_PHONE_REGION` as `default_region`).
    pub setting_overrides: crate::settings::EnvSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured so that a new field cannot be forgotten here.
        let Config {
            database_url,
            site_addr,
            public_base_url,
            secret_key,
            bootstrap_admin,
            default_region,
            trust_proxy_headers,
            trusted_proxy_hops,
            session_inactivity,
            password_hash_concurrency,
            sms_outbox,
            data_dir,
            external_urls,
            setting_overrides,
        } = self;
        f.debug_struct("Config")
            .field("database_url", &redact_url_password(database_url))
            .field("site_addr", site_addr)
            .field("public_base_url", &public_base_url.as_str())
            .field("secret_key", secret_key)
            .field(
                "bootstrap_admin",
                &bootstrap_admin
                    .as_ref()
                    .map(|(email, _)| (email, "[redacted]")),
            )
            .field("default_region", default_region)
            .field("trust_proxy_headers", trust_proxy_headers)
            .field("trusted_proxy_hops", trusted_proxy_hops)
            .field("session_inactivity", session_inactivity)
            .field("password_hash_concurrency", password_hash_concurrency)
            .field("sms_outbox", sms_outbox)
            .field("data_dir", data_dir)
            .field("external_urls", external_urls)
            .field("setting_overrides", setting_overrides)
            .finish()
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:REDACTED@host/db`; other text as is.
pub fn redact_url_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Creates `dir` and its missing parents readable by this user only (0700 on Unix): the data
/// directory holds the generated key and the SQLite database.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates an empty file readable by this user only (0600 on Unix) unless it exists.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// The region phone numbers are read in when `DEFAULT_PHONE_REGION` is not set.
pub const DEFAULT_PHONE_REGION: phonenumber::country::Id = phonenumber::country::Id::FR;

/// The default Gemini Live endpoint (v1beta BidiGenerateContent).
pub const DEFAULT_GEMINI_LIVE_URL: &str =
    "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";

/// Reads a variable, treating an empty value as unset.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn invalid(name: &'static str, reason: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.to_string(),
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, "expected true or false")),
    }
}

/// A positive whole number from `name`, or `default` when unset.
fn positive<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    match var(name) {
        Some(value) => parse_positive(name, &value),
        None => Ok(default),
    }
}

fn parse_positive<T>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    value
        .trim()
        .parse::<T>()
        .ok()
        .filter(|n| *n >= T::from(1))
        .ok_or_else(|| invalid(name, "expected a positive whole number"))
}

/// One argon2 hash per core: the cores are the limit, and memory stays at a few hashes' worth.
fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

impl Config {
    /// Loads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(var("ORDERLINE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/orderline.db?mode=rwc", data_dir.display()));
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(invalid(
                "DATABASE_URL",
                "expected sqlite://... or postgres://...",
            ));
        }
        let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| invalid("LEPTOS_SITE_ADDR", e))?;
        let public_base_url = parse_public_base_url(
            &var("PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{site_addr}")),
        )?;
        let secret_key = match var("ORDERLINE_SECRET_KEY") {
            Some(encoded) => decode_key(&encoded)?,
            None => load_or_create_key(&data_dir)?,
        };
        let bootstrap_admin = match (var("ADMIN_EMAIL"), var("ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, SecretString::from(password))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid("ADMIN_PASSWORD", "must be set with ADMIN_EMAIL"))
            }
            (None, Some(_)) => {
                return Err(invalid("ADMIN_EMAIL", "must be set with ADMIN_PASSWORD"))
            }
        };
        let default_region = match var("DEFAULT_PHONE_REGION") {
            Some(region) => region.to_ascii_uppercase().parse().map_err(|_| {
                invalid(
                    "DEFAULT_PHONE_REGION",
                    "expected a two-letter region such as FR",
                )
            })?,
            None => DEFAULT_PHONE_REGION,
        };
        let trust_proxy_headers = match var("TRUST_PROXY_HEADERS") {
            Some(v) => parse_bool("TRUST_PROXY_HEADERS", &v)?,
            None => false,
        };
        let trusted_proxy_hops = positive("TRUSTED_PROXY_HOPS", 1)?;
        let session_minutes: u64 = positive("SESSION_INACTIVITY_MINUTES", 8 * 60)?;
        let session_inactivity = std::time::Duration::from_secs(session_minutes.saturating_mul(60));
        let password_hash_concurrency =
            positive("PASSWORD_HASH_CONCURRENCY", default_hash_concurrency())?;
        let sms_rate = match var("SMS_RATE_PER_SECOND") {
            Some(value) => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|rate| rate.is_finite() && *rate >= 0.0)
                .ok_or_else(|| {
                    invalid(
                        "SMS_RATE_PER_SECOND",
                        "expected a number of texts per second, 0 or more",
                    )
                })?,
            None => 1.0,
        };
        let sms_outbox = crate::sms::outbox::OutboxConfig {
            rate_per_second: sms_rate,
            lease: std::time::Duration::from_secs(positive("SMS_LEASE_SECONDS", 30)?),
            ..Default::default()
        };
        let external_urls = crate::settings::ExternalUrls {
            twilio_api_base: service_url(
                "TWILIO_API_BASE_URL",
                "https://api.twilio.com",
                &["http", "https"],
            )?,
            openai_realtime: service_url(
                "OPENAI_REALTIME_URL",
                "wss://api.openai.com/v1/realtime",
                &["ws", "wss"],
            )?,
            gemini_live: service_url("GEMINI_LIVE_URL", DEFAULT_GEMINI_LIVE_URL, &["ws", "wss"])?,
        };
        let mut setting_overrides = crate::settings::service_env_overrides(var, default_region)
            .map_err(|message| {
                let (name, reason) = message
                    .split_once(' ')
                    .unwrap_or((message.as_str(), "is invalid"));
                let name = app::api::SettingKey::ALL
                    .iter()
                    .filter_map(|k| k.env_var())
                    .find(|v| *v == name)
                    .unwrap_or("a setting variable");
                invalid(name, reason.to_owned())
            })?;
        setting_overrides.sandbox = var("TWILIO_SANDBOX")
            .unwrap_or_default()
            .parse()
            .map_err(|reason: String| invalid("TWILIO_SANDBOX", reason))?;
        Ok(Config {
            external_urls,
            setting_overrides,
            database_url,
            site_addr,
            public_base_url,
            secret_key,
            bootstrap_admin,
            default_region,
            trust_proxy_headers,
            trusted_proxy_hops,
            session_inactivity,
            password_hash_concurrency,
            sms_outbox,
            data_dir,
        })
    }

    /// Whether cookies must carry the Secure flag.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

/// A base URL of an external service, with one of the allowed schemes.
fn service_url(name: &'static str, default: &str, schemes: &[&str]) -> Result<String, ConfigError> {
    let value = var(name).unwrap_or_else(|| default.to_owned());
    let url = url::Url::parse(&value).map_err(|e| invalid(name, e))?;
    if !schemes.contains(&url.scheme()) {
        return Err(invalid(
            name,
            format!("expected a {} URL", schemes.join(" or ")),
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// Parses `PUBLIC_BASE_URL`: an absolute http(s) URL, stored without a trailing slash.
pub fn parse_public_base_url(value: &str) -> Result<url::Url, ConfigError> {
    let url =
        url::Url::parse(value.trim_end_matches('/')).map_err(|e| invalid("PUBLIC_BASE_URL", e))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            "PUBLIC_BASE_URL",
            "expected an http:// or https:// URL",
        ));
    }
    Ok(url)
}

fn decode_key(encoded: &str) -> Result<SecretKey, ConfigError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| invalid("ORDERLINE_SECRET_KEY", format!("not base64: {e}")))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid("ORDERLINE_SECRET_KEY", "must decode to exactly 32 bytes"))?;
    Ok(SecretKey(key))
}

/// Reads `secret.key` from the data directory, creating it (mode 0600) on first start.
fn load_or_create_key(data_dir: &Path) -> Result<SecretKey, ConfigError> {
    let io = |source| ConfigError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    };
    let path = data_dir.join("secret.key");
    if path.exists() {
        let encoded = std::fs::read_to_string(&path).map_err(io)?;
        return decode_key(&encoded);
    }
    create_private_dir(data_dir).map_err(io)?;
    let key = SecretKey::generate();
    let encoded = base64::engine::general_purpose::STANDARD.encode(key.bytes());
    write_private(&path, &encoded).map_err(io)?;
    tracing::warn!(
        path = %path.display(),
        "ORDERLINE_SECRET_KEY is not set: generated a key in the data directory; set ORDERLINE_SECRET_KEY in production"
    );
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_base_url_must_be_absolute_http() {
        assert!(parse_public_base_url("https://desk.example.com/").is_ok());
        assert_eq!(
            parse_public_base_url("https://desk.example.com/")
                .unwrap()
                .as_str(),
            "https://desk.example.com/"
        );
        let error = parse_public_base_url("ftp://x").unwrap_err().to_string();
        assert!(error.contains("PUBLIC_BASE_URL"), "{error}");
        assert!(parse_public_base_url("not a url").is_err());
    }

    #[test]
    fn secret_key_must_be_32_bytes_of_base64() {
        let good = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(decode_key(&good).unwrap().bytes(), &[7u8; 32]);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        let error = decode_key(&short).unwrap_err().to_string();
        assert!(
            error.contains("ORDERLINE_SECRET_KEY") && error.contains("32 bytes"),
            "{error}"
        );
        assert!(decode_key("***").is_err());
    }

    #[test]
    fn counts_must_be_positive_whole_numbers() {
        assert_eq!(
            parse_positive::<usize>("TRUSTED_PROXY_HOPS", " 2 ").unwrap(),
            2
        );
        for bad in ["0", "-1", "two", "1.5"] {
            let error = parse_positive::<usize>("TRUSTED_PROXY_HOPS", bad)
                .unwrap_err()
                .to_string();
            assert_eq!(
                error, "TRUSTED_PROXY_HOPS is invalid: expected a positive whole number",
                "{bad}"
            );
        }
    }

    #[test]
    fn secret_key_debug_is_redacted() {
        let key = SecretKey([1; 32]);
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        assert_eq!(
            redact_url_password("postgres://orderline:hunter22@db:5432/orderline"),
            "postgres://orderline:REDACTED@db:5432/orderline"
        );
        assert_eq!(
            redact_url_password("sqlite://data/orderline.db?mode=rwc"),
            "sqlite://data/orderline.db?mode=rwc"
        );
        let config = Config {
            database_url: "postgres://orderline:hunter22@db/orderline".into(),
            site_addr: "127.0.0.1:3000".parse().unwrap(),
            public_base_url: url::Url::parse("https://desk.example.com").unwrap(),
            secret_key: SecretKey([3; 32]),
            bootstrap_admin: Some(("admin@example.com".into(), "hunter22hunter22".into())),
            default_region: DEFAULT_PHONE_REGION,
            trust_proxy_headers: false,
            trusted_proxy_hops: 1,
            session_inactivity: std::time::Duration::from_secs(3600),
            password_hash_concurrency: 2,
            sms_outbox: Default::default(),
            data_dir: "data".into(),
            external_urls: crate::settings::ExternalUrls {
                twilio_api_base: "https://api.twilio.com".into(),
                openai_realtime: "wss://api.openai.com/v1/realtime".into(),
                gemini_live: DEFAULT_GEMINI_LIVE_URL.into(),
            },
            setting_overrides: crate::settings::EnvSettings {
                pinned: [(
                    app::api::SettingKey::TwilioAuthToken,
                    "tok_hunter22_secret".to_owned(),
                )]
                .into(),
                phone_region: DEFAULT_PHONE_REGION,
                sandbox: Default::default(),
            },
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(
            shown.contains("postgres://orderline:REDACTED@db/orderline"),
            "{shown}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_data_directory_and_key_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        load_or_create_key(&data).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("secret.key")), 0o600);
    }

    #[test]
    fn generated_key_is_reused_on_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_key(dir.path()).unwrap();
        let second = load_or_create_key(dir.path()).unwrap();
        assert_eq!(first.bytes(), second.bytes());
    }
}
