//! `sms_messages`: the outbox and the record of every text sent (see the migration).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub batch_id: Option<i32>,
    /// "customer" or "driver".
    pub recipient: String,
    pub to_number: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `app::sms::MessageStatus::as_str`.
    pub status: String,
    #[sea_orm(unique)]
    pub sid: Option<String>,
    pub error_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    /// Requests made to Twilio for it.
    pub attempts: i32,
    /// When the worker may (re)try it.
    pub next_attempt_at: DateTimeUtc,
    /// While `posting`: until when the instance that took it owns it.
    pub lease_until: Option<DateTimeUtc>,
    /// When it was first posted (the look-up after a lost answer searches from there).
    pub first_posted_at: Option<DateTimeUtc>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Sent through the sandbox (the emulated Twilio), not a real account.
    pub sandbox: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
