//! Settings > Connections: typed keys with validation and defaults (`values`), the pure
//! precedence rule env > database > default (`resolve`), sealing secrets at rest (`crypto`), the
//! effective settings published through a `watch` channel (`effective`), the `SettingsPort`
//! implementation (`service`), the connection tests (`checks`) and whether Twilio can use the
//! public base URL (`public_url`).

pub mod checks;
pub mod crypto;
pub mod effective;
pub mod public_url;
pub mod resolve;
mod service;
pub mod values;

pub use effective::{view_of, EffectiveSettings, SandboxMode, SandboxTwilio, SettingsHandle};
pub use service::{
    env_overrides as service_env_overrides, EnvSettings, ExternalUrls, SettingsService,
};
