//! `calls`: one row per outbound call; `last_sequence` is the highest status-callback
//! `SequenceNumber` applied, so late or repeated callbacks are recognised.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub placed_by: Option<i32>,
    pub placed_by_name: String,
    pub recipient: String,
    pub to_number: String,
    pub provider: String,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    pub status: String,
    #[sea_orm(unique)]
    pub call_sid: Option<String>,
    pub last_sequence: i32,
    pub duration_seconds: Option<i64>,
    pub answered_by: Option<String>,
    pub sip_response_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    /// When the Media Streams token was issued (set once; the token is derived from it).
    pub media_token_issued_at: Option<DateTimeUtc>,
    /// When the Media Streams token was used (set once: it works a single time).
    pub media_token_used_at: Option<DateTimeUtc>,
    /// Tokens the provider counted, summed over the call's responses.
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// The estimated cost in millionths of a US dollar (see `calls::journal::price`).
    pub cost_estimate_microusd: i64,
    /// Median ms from the caller's end of speech to the agent's first audio sent to Twilio.
    pub latency_median_ms: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Placed through the sandbox (the emulated Twilio), not a real account.
    pub sandbox: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
