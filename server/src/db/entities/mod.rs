//! SeaORM entities, one per table, in the shape sea-orm-cli generates. Column types follow the
//! migration; conversions to wire types live next to the repositories.

pub mod api_tokens;
pub mod call_events;
pub mod call_journal;
pub mod calls;
pub mod login_attempts;
pub mod orders;
pub mod settings;
pub mod settings_audit;
pub mod setup_tokens;
pub mod sms_batches;
pub mod sms_messages;
pub mod sms_replies;
pub mod sms_suppressions;
pub mod sms_templates;
pub mod user_sessions;
pub mod users;
