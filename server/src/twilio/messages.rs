//! Twilio's Messages resource (protocols.md 1.4): send a text, fetch one, and list the recent
//! ones to a number (how the outbox finds out whether a request whose answer was lost reached
//! Twilio). Sending is never retried here: the outbox decides, because a retry must first know
//! whether the first request was accepted.

use super::client::{TwilioClient, TwilioError};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// What `POST .../Messages.json` needs from us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    /// E.164.
    pub to: String,
    /// Who sends it: the Messaging Service when one is configured, else the phone number.
    pub sender: Sender,
    pub body: String,
    /// Where Twilio reports the delivery status.
    pub status_callback: String,
}

/// A message's sender, as the settings give it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sender {
    /// `MessagingServiceSid=MG...`: Twilio picks a number of the service's pool.
    Service(String),
    /// `From=+1...`: one of the account's numbers.
    Number(String),
}

impl SendMessage {
    /// The form fields, in the documented names.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let sender = match &self.sender {
            Sender::Service(sid) => ("MessagingServiceSid", sid.clone()),
            Sender::Number(number) => ("From", number.clone()),
        };
        vec![
            ("To", self.to.clone()),
            sender,
            ("Body", self.body.clone()),
            ("StatusCallback", self.status_callback.clone()),
        ]
    }
}

/// The parts of a Message resource we keep (the status is parsed by its user).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MessageResource {
    pub sid: String,
    /// `accepted`, `queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, ...
    pub status: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub error_code: Option<i64>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// RFC 2822, e.g. `Tue, 31 Aug 2010 20:36:28 +0000`.
    #[serde(default)]
    pub date_created: Option<String>,
}

impl MessageResource {
    /// `date_created`, when it parses.
    pub fn created(&self) -> Option<DateTime<Utc>> {
        let text = self.date_created.as_deref()?;
        DateTime::parse_from_rfc2822(text)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }
}

#[derive(Debug, Deserialize)]
struct MessageList {
    #[serde(default)]
    messages: Vec<MessageResource>,
}

/// How many recent messages to a number the look-up reads (newest first).
const LOOKUP_PAGE: &str = "50";

impl TwilioClient {
    /// `POST .../Messages.json`, once.
    pub async fn send_message(
        &self,
        message: &SendMessage,
    ) -> Result<MessageResource, TwilioError> {
        let url = self.account_url("/Messages.json");
        self.post_form(&url, &message.form()).await
    }

    /// `GET .../Messages/{sid}.json`; None when Twilio has no such message.
    pub async fn fetch_message(&self, sid: &str) -> Result<Option<MessageResource>, TwilioError> {
        let url = self.account_url(&format!("/Messages/{sid}.json"));
        match self.get_json(&url, &[]).await {
            Ok(message) => Ok(Some(message)),
            Err(TwilioError::Api { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The message to `to` with exactly `body` that Twilio created at or after `since` (a minute
    /// of clock difference allowed), if any: `GET .../Messages.json?To=...` (newest first). This is
    /// how a request whose answer was lost is resolved, instead of posting it again.
    pub async fn find_message(
        &self,
        to: &str,
        body: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<MessageResource>, TwilioError> {
        let url = self.account_url("/Messages.json");
        let list: MessageList = self
            .get_json(&url, &[("To", to), ("PageSize", LOOKUP_PAGE)])
            .await?;
        let from = since - chrono::Duration::seconds(60);
        Ok(list.messages.into_iter().find(|message| {
            message.to == to
                && message.body.as_deref() == Some(body)
                && message.created().is_none_or(|created| created >= from)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_the_sender_as_configured() {
        let mut message = SendMessage {
            to: "+33612345678".into(),
            sender: Sender::Number("+15005550006".into()),
            body: "Bonjour".into(),
            status_callback: "https://desk.example/api/v1/orders/7/twilio-sms-status".into(),
        };
        assert_eq!(
            message.form(),
            vec![
                ("To", "+33612345678".to_owned()),
                ("From", "+15005550006".to_owned()),
                ("Body", "Bonjour".to_owned()),
                (
                    "StatusCallback",
                    "https://desk.example/api/v1/orders/7/twilio-sms-status".to_owned()
                ),
            ]
        );
        message.sender = Sender::Service(format!("MG{}", "a".repeat(32)));
        assert_eq!(
            message.form()[1],
            ("MessagingServiceSid", format!("MG{}", "a".repeat(32)))
        );
        assert!(message.form().iter().all(|(name, _)| *name != "From"));
    }

    #[test]
    fn creation_dates_are_rfc_2822() {
        let message: MessageResource = serde_json::from_str(
            r#"{"sid":"SM1","status":"queued","to":"+1","body":"x","error_code":null,
                "date_created":"Tue, 31 Aug 2010 20:36:28 +0000"}"#,
        )
        .expect("a message resource");
        let created = message.created().expect("a date");
        assert_eq!(created.to_rfc3339(), "2010-08-31T20:36:28+00:00");
    }
}
