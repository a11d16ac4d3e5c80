//! Query and mutation functions, one module per aggregate, plus the entity-to-DTO conversions.

pub mod api_tokens;
pub mod calls;
pub mod journal;
pub mod login_attempts;
pub mod order_updates;
pub mod orders;
pub mod settings;
pub mod setup_tokens;
pub mod sms;
pub mod sms_contacts;
pub mod sms_outbox;
pub mod user_sessions;
pub mod users;

/// Converts a wire id (i64) to a row id; ids out of range name no row.
pub fn row_id(id: i64) -> Option<i32> {
    i32::try_from(id).ok()
}
