//! A text's life as Twilio runs it: stored `queued` (or `accepted` through a Messaging Service),
//! then `sent`, then `delivered` (or `undelivered` for the [`FAILURE_NUMBERS`]), each change
//! posted, signed, to the message's `StatusCallback` with the fields of protocols.md 2.2. And
//! the other way: [`SandboxMessages::reply`], a phone's text to the sandbox's number, stored
//! `received` and posted, signed, to Orderline's inbound SMS webhook. STOP and START replies
//! are remembered, so a later text to that number is refused with 21610 as Twilio does.
//! Validation of the REST form is `rest`'s; this module starts from a valid request.

use super::callbacks::SignedPoster;
use super::store::{
    Message, MessageDirection, MessageStatus, MessageView, PhoneEvent, SandboxStore,
};
use app::sms::{count, keyword, Keyword};
use chrono::Utc;
use std::time::Duration;

/// The path of Orderline's inbound SMS webhook (see `webhooks::sms_inbound`).
pub const INBOUND_WEBHOOK_PATH: &str = "/api/v1/twilio/sms-inbound";

/// What happens to a text sent to a number with a given ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Accepted, sent, then reported `undelivered` with this error code.
    Undelivered { code: u32 },
    /// Refused at creation with HTTP 400 and this error code.
    Refused { code: u32 },
}

/// A documented failure number: a `To` ending in `ending` fails this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureNumber {
    /// The last four digits.
    pub ending: &'static str,
    pub outcome: FailureOutcome,
    /// Twilio's error message for the code.
    pub message: &'static str,
    /// In plain words, for the softphone page.
    pub meaning: &'static str,
}

/// The sandbox's failure numbers, listed on the softphone page.
pub const FAILURE_NUMBERS: &[FailureNumber] = &[
    FailureNumber {
        ending: "0000",
        outcome: FailureOutcome::Undelivered { code: 30003 },
        message: "Unreachable destination handset",
        meaning: "the phone is off or out of coverage",
    },
    FailureNumber {
        ending: "1111",
        outcome: FailureOutcome::Undelivered { code: 30006 },
        message: "Landline or unreachable carrier",
        meaning: "a landline, which cannot receive texts",
    },
    FailureNumber {
        ending: "2222",
        outcome: FailureOutcome::Refused { code: 21610 },
        message: "Attempt to send to unsubscribed recipient",
        meaning: "the recipient replied STOP (opted out)",
    },
];

/// The failure number `to` ends with, if any.
pub fn failure_for(to: &str) -> Option<&'static FailureNumber> {
    FAILURE_NUMBERS.iter().find(|f| to.ends_with(f.ending))
}

/// The pauses between status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleDelays {
    /// From `queued` (or `accepted`) to `sent`.
    pub to_sent: Duration,
    /// From `sent` to `delivered` or `undelivered`.
    pub to_final: Duration,
}

impl Default for LifecycleDelays {
    fn default() -> Self {
        LifecycleDelays {
            to_sent: Duration::from_millis(300),
            to_final: Duration::from_millis(300),
        }
    }
}

/// A valid `POST .../Messages.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub to: String,
    /// The sender: the sandbox's number (also when a Messaging Service is named).
    pub from: String,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub status_callback: Option<String>,
}

/// Why a text was refused at creation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Twilio error {code}: {message}")]
pub struct Refusal {
    pub code: u32,
    pub message: String,
}

/// Why a reply could not be delivered to Orderline.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("the inbound SMS webhook did not answer: {0}")]
    Webhook(#[from] super::callbacks::CallbackError),
    #[error("the inbound SMS webhook answered HTTP {0}")]
    Status(u16),
}

/// Runs messages' lifecycles for the sandbox account.
#[derive(Clone, Debug)]
pub struct SandboxMessages {
    store: SandboxStore,
    poster: SignedPoster,
    delays: LifecycleDelays,
}

impl SandboxMessages {
    /// Lifecycles over `store`, callbacks signed by `poster`.
    pub fn new(store: SandboxStore, poster: SignedPoster, delays: LifecycleDelays) -> Self {
        SandboxMessages {
            store,
            poster,
            delays,
        }
    }

    /// The store the messages live in.
    pub fn store(&self) -> &SandboxStore {
        &self.store
    }

    /// Creates a text: refused (21610) for an opted-out or `2222` number, else stored `queued`
    /// (`accepted` through a Messaging Service) and its life started in a task.
    pub fn send(&self, new: NewMessage) -> Result<Message, Refusal> {
        let refused = match failure_for(&new.to) {
            Some(FailureNumber {
                outcome: FailureOutcome::Refused { code },
                message,
                ..
            }) => Some((*code, *message)),
            _ if self.store.is_opted_out(&new.to) => {
                Some((21610, "Attempt to send to unsubscribed recipient"))
            }
            _ => None,
        };
        if let Some((code, message)) = refused {
            return Err(Refusal {
                code,
                message: message.to_owned(),
            });
        }
        let now = Utc::now();
        let message = Message {
            sid: super::store::new_sid("SM"),
            account_sid: self.store.account_sid().to_owned(),
            num_segments: count(&new.body).segments.max(1),
            status: if new.messaging_service_sid.is_some() {
                MessageStatus::Accepted
            } else {
                MessageStatus::Queued
            },
            direction: MessageDirection::OutboundApi,
            to: new.to,
            from: new.from,
            body: new.body,
            error_code: None,
            error_message: None,
            messaging_service_sid: new.messaging_service_sid,
            status_callback: new.status_callback,
            date_created: now,
            date_updated: now,
            date_sent: None,
        };
        self.store.insert_message(message.clone());
        let this = self.clone();
        let sid = message.sid.clone();
        tokio::spawn(async move { this.run(&sid).await });
        Ok(message)
    }

    /// The life of the message `sid` after creation.
    async fn run(&self, sid: &str) {
        let Some(created) = self.store.message(sid) else {
            return;
        };
        if created.status == MessageStatus::Accepted {
            self.advance(sid, MessageStatus::Queued, None).await;
        }
        tokio::time::sleep(self.delays.to_sent).await;
        self.advance(sid, MessageStatus::Sent, None).await;
        tokio::time::sleep(self.delays.to_final).await;
        match failure_for(&created.to).map(|f| (f.outcome, f.message)) {
            Some((FailureOutcome::Undelivered { code }, text)) => {
                self.advance(sid, MessageStatus::Undelivered, Some((code, text)))
                    .await;
            }
            _ => self.advance(sid, MessageStatus::Delivered, None).await,
        }
    }

    /// Moves the message to `status`, publishes it, and posts its status callback.
    async fn advance(&self, sid: &str, status: MessageStatus, error: Option<(u32, &str)>) {
        let updated = self.store.update_message(sid, |m| {
            m.status = status;
            if status == MessageStatus::Sent {
                m.date_sent = Some(Utc::now());
            }
            if let Some((code, text)) = error {
                m.error_code = Some(code);
                m.error_message = Some(text.to_owned());
            }
        });
        let Some(message) = updated else {
            return;
        };
        self.store.publish(PhoneEvent::MessageStatus {
            number: message.to.clone(),
            sid: message.sid.clone(),
            status,
            error_code: message.error_code,
        });
        if status == MessageStatus::Delivered {
            if let Some(view) = message.view_for(&message.to) {
                self.store.publish(PhoneEvent::MessageToPhone {
                    number: message.to.clone(),
                    message: view,
                });
            }
        }
        let Some(url) = message.status_callback.as_deref() else {
            return;
        };
        match self
            .poster
            .post(url, &status_callback_params(&message))
            .await
        {
            Ok(answer) if answer.status >= 400 => {
                tracing::warn!(
                    sid,
                    status = answer.status,
                    "sandbox: status callback refused"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(sid, %error, "sandbox: status callback failed"),
        }
    }

    /// A text from the phone `from` to the sandbox's number `to`: stored `received`, published,
    /// and posted to `{public_base_url}/api/v1/twilio/sms-inbound`, signed. STOP and START are
    /// remembered for later sends.
    pub async fn reply(
        &self,
        public_base_url: &str,
        from: &str,
        to: &str,
        body: &str,
    ) -> Result<MessageView, ReplyError> {
        let now = Utc::now();
        let message = Message {
            sid: super::store::new_sid("SM"),
            account_sid: self.store.account_sid().to_owned(),
            to: to.to_owned(),
            from: from.to_owned(),
            body: body.to_owned(),
            status: MessageStatus::Received,
            direction: MessageDirection::Inbound,
            error_code: None,
            error_message: None,
            num_segments: count(body).segments.max(1),
            messaging_service_sid: None,
            status_callback: None,
            date_created: now,
            date_updated: now,
            date_sent: Some(now),
        };
        match keyword(body) {
            Some(Keyword::OptOut) => self.store.set_opted_out(from, true),
            Some(Keyword::OptIn) => self.store.set_opted_out(from, false),
            None => {}
        }
        self.store.insert_message(message.clone());
        let view = message.view_for(from);
        if let Some(view) = &view {
            self.store.publish(PhoneEvent::MessageFromPhone {
                number: from.to_owned(),
                message: view.clone(),
            });
        }
        let url = format!(
            "{}{INBOUND_WEBHOOK_PATH}",
            public_base_url.trim_end_matches('/')
        );
        let answer = self.poster.post(&url, &inbound_params(&message)).await?;
        if answer.status >= 400 {
            return Err(ReplyError::Status(answer.status));
        }
        view.ok_or(ReplyError::Status(500))
    }
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The status callback's form (protocols.md 2.2).
pub fn status_callback_params(message: &Message) -> Vec<(String, String)> {
    let status = message.status.as_str();
    let mut params = pairs(&[
        ("AccountSid", &message.account_sid),
        ("ApiVersion", "2010-04-01"),
        ("From", &message.from),
        ("To", &message.to),
        ("MessageSid", &message.sid),
        ("SmsSid", &message.sid),
        ("MessageStatus", status),
        ("SmsStatus", status),
    ]);
    if let Some(service) = &message.messaging_service_sid {
        params.push(("MessagingServiceSid".to_owned(), service.clone()));
    }
    if let (true, Some(code)) = (message.status.is_failure(), message.error_code) {
        params.push(("ErrorCode".to_owned(), code.to_string()));
        if let Some(text) = &message.error_message {
            params.push(("ErrorMessage".to_owned(), text.clone()));
        }
    }
    if matches!(
        message.status,
        MessageStatus::Delivered | MessageStatus::Undelivered
    ) {
        params.push((
            "RawDlrDoneDate".to_owned(),
            message.date_updated.format("%y%m%d%H%M").to_string(),
        ));
    }
    params
}

/// The inbound webhook's form, as Twilio posts a received SMS.
pub fn inbound_params(message: &Message) -> Vec<(String, String)> {
    let segments = message.num_segments.to_string();
    pairs(&[
        ("ToCountry", "US"),
        ("ToState", ""),
        ("SmsMessageSid", &message.sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", &message.sid),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", &message.body),
        ("FromCountry", ""),
        ("To", &message.to),
        ("ToZip", ""),
        ("NumSegments", &segments),
        ("MessageSid", &message.sid),
        ("AccountSid", &message.account_sid),
        ("From", &message.from),
        ("ApiVersion", "2010-04-01"),
    ])
}

#[cfg(test)]
mod tests;
