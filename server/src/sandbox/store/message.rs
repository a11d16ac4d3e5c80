//! The emulated Message resource: status, direction, error, and its JSON exactly as Twilio's
//! `GET .../Messages/{MessageSid}.json` writes it; and [`MessageView`], a message as the
//! softphone shows it.

use super::{rfc2822, rfc2822_opt};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

/// A message's status as Twilio's Message resource gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Queued,
    Sending,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Receiving,
    Received,
    Accepted,
    Scheduled,
    Canceled,
}

impl MessageStatus {
    /// Twilio's spelling, e.g. `delivered`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Receiving => "receiving",
            MessageStatus::Received => "received",
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Canceled => "canceled",
        }
    }

    /// Whether the message failed to reach its recipient.
    pub fn is_failure(self) -> bool {
        matches!(self, MessageStatus::Undelivered | MessageStatus::Failed)
    }
}

/// Which way a message went, as Twilio's `direction` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MessageDirection {
    /// Sent through the REST API (to a phone).
    #[serde(rename = "outbound-api")]
    OutboundApi,
    /// Received by the account's number (from a phone).
    #[serde(rename = "inbound")]
    Inbound,
}

impl MessageDirection {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageDirection::OutboundApi => "outbound-api",
            MessageDirection::Inbound => "inbound",
        }
    }
}

/// One emulated message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub sid: String,
    pub account_sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status: MessageStatus,
    pub direction: MessageDirection,
    /// Twilio's error code once failed or undelivered (e.g. 30003).
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    /// Segments billed, from `app::sms::count`.
    pub num_segments: usize,
    /// `MessagingServiceSid` when sent through a Messaging Service.
    pub messaging_service_sid: Option<String>,
    /// `StatusCallback`: where status changes are posted (outbound only).
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    /// When it left for the carrier (`sent`), or when it was received.
    pub date_sent: Option<DateTime<Utc>>,
}

impl Message {
    /// `/2010-04-01/Accounts/{AC}/Messages/{SM}`, without `.json`.
    fn base_uri(&self) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Messages/{}",
            self.account_sid, self.sid
        )
    }

    /// The resource as Twilio's JSON.
    pub fn to_json(&self) -> Value {
        let base = self.base_uri();
        json!({
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822_opt(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction.as_str(),
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": self.num_segments.to_string(),
            "price": null,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status.as_str(),
            "subresource_uris": { "media": format!("{base}/Media.json") },
            "to": self.to,
            "uri": format!("{base}.json"),
        })
    }

    /// The message as the phone at `number` sees it, if it is one of that phone's.
    pub fn view_for(&self, number: &str) -> Option<MessageView> {
        let (direction, peer) = match self.direction {
            MessageDirection::OutboundApi if self.to == number => {
                (PhoneDirection::ToPhone, &self.from)
            }
            MessageDirection::Inbound if self.from == number => {
                (PhoneDirection::FromPhone, &self.to)
            }
            _ => return None,
        };
        Some(MessageView {
            sid: self.sid.clone(),
            direction,
            phone: number.to_owned(),
            peer: peer.clone(),
            body: self.body.clone(),
            status: self.status,
            error_code: self.error_code,
            at: self.date_sent.unwrap_or(self.date_created),
        })
    }
}

/// Which way a message went, seen from the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneDirection {
    /// Orderline texted the phone.
    ToPhone,
    /// The phone texted Orderline's number.
    FromPhone,
}

/// A message in a phone's inbox (the softphone page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageView {
    pub sid: String,
    pub direction: PhoneDirection,
    /// The phone whose inbox this is.
    pub phone: String,
    /// The other side: the sandbox's number.
    pub peer: String,
    pub body: String,
    pub status: MessageStatus,
    pub error_code: Option<u32>,
    /// When it was sent (or created, before that).
    pub at: DateTime<Utc>,
}
