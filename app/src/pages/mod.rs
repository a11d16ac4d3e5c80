//! Pages, one module per screen. Components render signals; they never hold business rules.

pub mod bulk_sms;
pub mod calls;
pub mod import;
pub mod journal;
pub mod layout;
pub mod login;
pub mod order;
pub mod order_delete;
pub mod orders;
pub mod profile;
pub mod settings;
pub mod setup;
pub mod sms_templates;
pub mod softphone;
#[cfg(feature = "hydrate")]
pub mod softphone_client;
pub mod texts;
pub mod tokens;
pub mod users;
