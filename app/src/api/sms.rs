//! What the browser and the server exchange about text messages.

use super::Recipient;
use crate::sms::MessageStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One text sent (or about to be) to a customer or driver of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMessageView {
    pub id: i64,
    pub order_id: i64,
    pub batch_id: Option<i64>,
    pub recipient: Recipient,
    pub to_number: String,
    pub body: String,
    pub status: MessageStatus,
    /// Why it failed or was not delivered, in plain words with Twilio's code.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Sent through the sandbox (the emulated Twilio).
    #[serde(default)]
    pub sandbox: bool,
}

/// A text received from a customer or driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsReplyView {
    pub id: i64,
    /// The most recent order of that number, if any.
    pub order_id: Option<i64>,
    pub from_number: String,
    pub body: String,
    /// "opted out" / "opted in" when the reply was a keyword.
    pub keyword: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// A saved template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsTemplateView {
    pub id: i64,
    pub name: String,
    /// "fr" or "en".
    pub language: String,
    pub body: String,
    pub is_default: bool,
}

/// A template as an admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SmsTemplateInput {
    pub name: String,
    pub language: String,
    pub body: String,
    /// Absent from a form whose checkbox is unticked.
    #[serde(default)]
    pub is_default: bool,
}

/// Whom to text about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsRecipients {
    Customer,
    Driver,
    Both,
}

impl SmsRecipients {
    /// The recipients it names.
    pub fn list(self) -> &'static [Recipient] {
        match self {
            SmsRecipients::Customer => &[Recipient::Customer],
            SmsRecipients::Driver => &[Recipient::Driver],
            SmsRecipients::Both => &[Recipient::Customer, Recipient::Driver],
        }
    }
}

/// What the composer of an order needs: the templates, the default one rendered for this
/// order, whether texting is possible, and the texts and replies so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSmsData {
    /// Why texting is impossible now (Twilio disabled or not configured), or None.
    pub blocked: Option<String>,
    pub templates: Vec<SmsTemplateView>,
    /// Each template's body rendered for this order, in the order of `templates`.
    pub rendered: Vec<String>,
    pub messages: Vec<SmsMessageView>,
    pub replies: Vec<SmsReplyView>,
    /// Recipients that cannot be texted, with the reason (no number, opted out).
    pub unavailable: Vec<(Recipient, String)>,
}

/// An order a bulk send skips, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedOrder {
    pub order_id: i64,
    pub order_number: String,
    pub reason: String,
}

/// The preview of a bulk send, or its result once confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSmsReport {
    /// The batch, once written to the outbox.
    pub batch_id: Option<i64>,
    /// Messages that will be (or were) queued.
    pub count: u64,
    /// A few rendered messages: (order number, body).
    pub samples: Vec<(String, String)>,
    pub skipped: Vec<SkippedOrder>,
}

/// Where a bulk send stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProgress {
    pub batch_id: i64,
    pub total: u64,
    /// Still in the outbox.
    pub pending: u64,
    /// Accepted by Twilio (any status from queued on, failures excluded).
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Cancelled before being sent.
    pub cancelled: u64,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Which orders a bulk send is for. Every field may be absent from a form (an empty list is not
/// written at all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkSelection {
    pub order_ids: Vec<i64>,
    /// Every order the orders list shows for `search` and `status` (all pages).
    pub all_matching: bool,
    pub search: String,
    pub status: Option<super::OrderStatus>,
}
