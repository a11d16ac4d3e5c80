//! What the browser and the server exchange about text messages. The server writes its reasons
//! and errors in English; the `_in(locale)` methods say the ones this app knows in the reader's
//! language and show any other as the server wrote it.

use super::Recipient;
use crate::i18n::{td_string, Locale};
use crate::locale::fill;
use crate::sms::{describe_error_in, explain_error, Keyword, MessageStatus, TemplateError};
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

impl SmsMessageView {
    /// Why it failed, in `locale`'s words: "Twilio error {code}: {explanation}" with this app's
    /// explanation translated (Twilio's own words stay as they came).
    pub fn error_in(&self, locale: Locale) -> Option<String> {
        let error = self.error.as_deref()?;
        let translated = || {
            let rest = error.strip_prefix("Twilio error ")?;
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let code: u32 = rest[..digits].parse().ok()?;
            let words = match &rest[digits..] {
                "" => None,
                after => {
                    let words = after.strip_prefix(": ")?;
                    // This app's explanation is translated; Twilio's own words are not.
                    (explain_error(code) != Some(words)).then_some(words)
                }
            };
            Some(describe_error_in(code, words, locale))
        };
        Some(translated().unwrap_or_else(|| error.to_owned()))
    }
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

impl SmsReplyView {
    /// The keyword ("opted out", "opted in again") in `locale`'s words.
    pub fn keyword_in(&self, locale: Locale) -> Option<String> {
        let written = self.keyword.as_deref()?;
        let known = [Keyword::OptOut, Keyword::OptIn]
            .into_iter()
            .find(|k| k.label_in(Locale::en) == written);
        Some(known.map_or_else(|| written.to_owned(), |k| k.label_in(locale).to_owned()))
    }
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

impl SkippedOrder {
    /// Why it is skipped, in `locale`'s words.
    pub fn reason_in(&self, locale: Locale) -> String {
        reason_in(&self.reason, locale)
    }
}

/// Why an order's customer or driver cannot be texted (no number, not in E.164, opted out, a
/// template that cannot be filled in), as the server writes it, in `locale`'s words.
pub fn reason_in(reason: &str, locale: Locale) -> String {
    let fixed = [
        (
            "the order has no customer number",
            td_string!(locale, texts.reasons.no_customer_number),
        ),
        (
            "the order has no driver number",
            td_string!(locale, texts.reasons.no_driver_number),
        ),
        (
            "the customer number is not in E.164",
            td_string!(locale, texts.reasons.customer_not_e164),
        ),
        (
            "the driver number is not in E.164",
            td_string!(locale, texts.reasons.driver_not_e164),
        ),
    ];
    if let Some((_, words)) = fixed.iter().find(|(written, _)| *written == reason) {
        return (*words).to_owned();
    }
    if let Some(number) = reason.strip_suffix(" opted out of texts (replied STOP)") {
        return fill(
            td_string!(locale, texts.reasons.opted_out),
            &[("number", number)],
        );
    }
    let unknown = reason
        .strip_prefix("unknown placeholder {")
        .and_then(|rest| rest.split_once("}; use one of "))
        .map(|(name, _)| TemplateError::UnknownPlaceholder(name.to_owned()));
    [
        TemplateError::Empty,
        TemplateError::Unclosed,
        TemplateError::TooLong,
    ]
    .into_iter()
    .chain(unknown)
    .find(|error| error.to_string() == reason)
    .map_or_else(|| reason.to_owned(), |error| error.message_in(locale))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::describe_error;

    fn failed(error: &str) -> SmsMessageView {
        SmsMessageView {
            id: 1,
            order_id: 1,
            batch_id: None,
            recipient: Recipient::Customer,
            to_number: "+33600000000".into(),
            body: "Bonjour".into(),
            status: MessageStatus::Failed,
            error: Some(error.into()),
            created_at: DateTime::default(),
            updated_at: DateTime::default(),
            sandbox: false,
        }
    }

    #[test]
    fn english_words_are_shown_as_the_server_wrote_them() {
        for status in MessageStatus::ALL {
            assert_eq!(status.label_in(Locale::en), status.as_str());
        }
        for code in [30001, 30007, 21610, 21614, 12345] {
            let error = describe_error(code);
            assert_eq!(
                failed(&error).error_in(Locale::en).as_deref(),
                Some(error.as_str())
            );
        }
        for written in [
            "Twilio error 30007: Message filtered",
            "Twilio error 99999: Something new",
            "connection refused",
        ] {
            assert_eq!(
                failed(written).error_in(Locale::en).as_deref(),
                Some(written)
            );
        }
        let unknown = TemplateError::UnknownPlaceholder("list".into()).to_string();
        for reason in [
            "the order has no customer number",
            "the driver number is not in E.164",
            "+33612345678 opted out of texts (replied STOP)",
            &TemplateError::Empty.to_string(),
            &TemplateError::Unclosed.to_string(),
            &TemplateError::TooLong.to_string(),
            &unknown,
            "something else",
        ] {
            assert_eq!(reason_in(reason, Locale::en), reason);
        }
    }

    #[test]
    fn known_words_are_translated() {
        let error = failed(&describe_error(30007)).error_in(Locale::fr);
        assert_eq!(
            error.as_deref(),
            Some("Erreur Twilio 30007 : l’opérateur a filtré le message comme spam")
        );
        let error = failed("Twilio error 99999: Something new").error_in(Locale::fr);
        assert_eq!(
            error.as_deref(),
            Some("Erreur Twilio 99999 : Something new")
        );
        let error = failed("Twilio error 30007: Message filtered").error_in(Locale::fr);
        assert_eq!(
            error.as_deref(),
            Some("Erreur Twilio 30007 : Message filtered")
        );
        assert_eq!(
            reason_in("+33612345678 opted out of texts (replied STOP)", Locale::fr),
            "+33612345678 s’est désinscrit des SMS (a répondu STOP)"
        );
        assert!(reason_in(&TemplateError::TooLong.to_string(), Locale::fr).contains("1600"));
        assert_eq!(
            reason_in(&TemplateError::Unclosed.to_string(), Locale::fr),
            TemplateError::Unclosed.message_in(Locale::fr)
        );
    }
}
