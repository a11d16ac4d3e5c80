//! The status of an outbound SMS, and how out-of-order status callbacks are merged.
//!
//! Twilio's statuses and their order come from Twilio's docs ("Message resource: Message Status
//! values" and "Outbound Message Status in Status Callbacks"): a message goes `accepted` →
//! (`scheduled`) → `queued` → `sending` → `sent` → `delivered` / `undelivered` / `failed`, and
//! `read` follows `delivered` on channels with read receipts (WhatsApp, RCS). `canceled` ends a
//! scheduled message. Two statuses are ours, before Twilio knows the message: [`Pending`] and
//! [`Posting`].
//!
//! Callbacks are not guaranteed to arrive in order, so [`merge`] never moves a message backwards
//! ([`MessageStatus::rank`]), and the first final status wins — except that `delivered` may still
//! become `read`. Twilio's `partially_delivered` (a message with several recipients or parts
//! reached some of them) is taken as [`Sent`]: not final, since a later callback settles it.
//!
//! Error codes are explained from Twilio's error dictionary (twilio.com/docs/api/errors).
//!
//! [`Pending`]: MessageStatus::Pending
//! [`Posting`]: MessageStatus::Posting
//! [`Sent`]: MessageStatus::Sent

use crate::i18n::{td_string, Locale};
use crate::locale::fill;
use serde::{Deserialize, Serialize};

/// Where an outbound message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// In our outbox, not yet accepted by Twilio.
    Pending,
    /// Request to Twilio in flight, or its answer was lost: to be resolved.
    Posting,
    /// Twilio accepted it (Messaging Service picking a sender).
    Accepted,
    /// Twilio will send it at a scheduled time.
    Scheduled,
    /// Queued at Twilio.
    Queued,
    /// Being handed to the carrier.
    Sending,
    /// Handed to the carrier.
    Sent,
    /// The carrier confirmed delivery to the handset.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// Twilio could not send it.
    Failed,
    /// The recipient read it (read receipts only).
    Read,
    /// Cancelled by staff before sending, or a scheduled message Twilio canceled.
    Canceled,
}

impl MessageStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [MessageStatus; 12] = [
        MessageStatus::Pending,
        MessageStatus::Posting,
        MessageStatus::Accepted,
        MessageStatus::Scheduled,
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Undelivered,
        MessageStatus::Failed,
        MessageStatus::Read,
        MessageStatus::Canceled,
    ];

    /// The status as stored and as Twilio writes it, e.g. `"delivered"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Posting => "posting",
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Read => "read",
            MessageStatus::Canceled => "canceled",
        }
    }

    /// The status in `locale`'s words (in English, the same word as [`as_str`](Self::as_str)).
    pub fn label_in(self, locale: Locale) -> &'static str {
        match self {
            MessageStatus::Pending => td_string!(locale, texts.status.pending),
            MessageStatus::Posting => td_string!(locale, texts.status.posting),
            MessageStatus::Accepted => td_string!(locale, texts.status.accepted),
            MessageStatus::Scheduled => td_string!(locale, texts.status.scheduled),
            MessageStatus::Queued => td_string!(locale, texts.status.queued),
            MessageStatus::Sending => td_string!(locale, texts.status.sending),
            MessageStatus::Sent => td_string!(locale, texts.status.sent),
            MessageStatus::Delivered => td_string!(locale, texts.status.delivered),
            MessageStatus::Undelivered => td_string!(locale, texts.status.undelivered),
            MessageStatus::Failed => td_string!(locale, texts.status.failed),
            MessageStatus::Read => td_string!(locale, texts.status.read),
            MessageStatus::Canceled => td_string!(locale, texts.status.canceled),
        }
    }

    /// Reads a status written by [`as_str`](Self::as_str) or by Twilio (exact, lower case).
    /// Twilio's `partially_delivered` is read as [`Sent`](Self::Sent).
    pub fn parse(text: &str) -> Option<Self> {
        if text == "partially_delivered" {
            return Some(MessageStatus::Sent);
        }
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether nothing but `delivered` → `read` can follow.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageStatus::Delivered
                | MessageStatus::Undelivered
                | MessageStatus::Failed
                | MessageStatus::Read
                | MessageStatus::Canceled
        )
    }

    /// Whether the message will not reach the recipient.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            MessageStatus::Undelivered | MessageStatus::Failed | MessageStatus::Canceled
        )
    }

    /// Progress along the lifecycle; a status never gives way to one of lower rank. The final
    /// statuses other than `read` share one rank.
    pub fn rank(self) -> u8 {
        match self {
            MessageStatus::Pending => 0,
            MessageStatus::Posting => 1,
            MessageStatus::Accepted => 2,
            MessageStatus::Scheduled => 3,
            MessageStatus::Queued => 4,
            MessageStatus::Sending => 5,
            MessageStatus::Sent => 6,
            MessageStatus::Delivered
            | MessageStatus::Undelivered
            | MessageStatus::Failed
            | MessageStatus::Canceled => 7,
            MessageStatus::Read => 8,
        }
    }
}

impl std::fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status after `incoming` arrives for a message now at `current`.
///
/// Never moves backwards; once final, only `delivered` → `read` is allowed (so a late `sent`
/// after `delivered` keeps `delivered`, and `undelivered` after `delivered` keeps `delivered`).
pub fn merge(current: MessageStatus, incoming: MessageStatus) -> MessageStatus {
    if current.is_final() {
        if current == MessageStatus::Delivered && incoming == MessageStatus::Read {
            return incoming;
        }
        return current;
    }
    if incoming.rank() > current.rank() {
        incoming
    } else {
        current
    }
}

/// A plain-English explanation of a Twilio error code, if it is one we know.
pub fn explain_error(code: u32) -> Option<&'static str> {
    explain_error_in(code, Locale::en)
}

/// `"Twilio error {code}: {explanation}"`, or `"Twilio error {code}"` for an unknown code.
pub fn describe_error(code: u32) -> String {
    describe_error_in(code, None, Locale::en)
}

/// [`explain_error`] in `locale`'s words.
pub fn explain_error_in(code: u32, locale: Locale) -> Option<&'static str> {
    let words = match code {
        30001 => td_string!(locale, texts.twilio.e30001),
        30002 => td_string!(locale, texts.twilio.e30002),
        30003 => td_string!(locale, texts.twilio.e30003),
        30004 => td_string!(locale, texts.twilio.e30004),
        30005 => td_string!(locale, texts.twilio.e30005),
        30006 => td_string!(locale, texts.twilio.e30006),
        30007 => td_string!(locale, texts.twilio.e30007),
        30008 => td_string!(locale, texts.twilio.e30008),
        30034 => td_string!(locale, texts.twilio.e30034),
        21211 => td_string!(locale, texts.twilio.e21211),
        21408 => td_string!(locale, texts.twilio.e21408),
        21606 => td_string!(locale, texts.twilio.e21606),
        21608 => td_string!(locale, texts.twilio.e21608),
        21610 => td_string!(locale, texts.twilio.e21610),
        21612 => td_string!(locale, texts.twilio.e21612),
        21614 => td_string!(locale, texts.twilio.e21614),
        _ => return None,
    };
    Some(words)
}

/// [`describe_error`] in `locale`'s words; with `words` (Twilio's own, shown as they came) in
/// place of this app's explanation when given.
pub fn describe_error_in(code: u32, words: Option<&str>, locale: Locale) -> String {
    let code_text = code.to_string();
    match words.or_else(|| explain_error_in(code, locale)) {
        Some(explanation) => fill(
            td_string!(locale, texts.twilio.error_explained),
            &[("code", &code_text), ("explanation", explanation)],
        ),
        None => fill(
            td_string!(locale, texts.twilio.error),
            &[("code", &code_text)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;
    use super::*;

    const FINALS: [MessageStatus; 5] = [Delivered, Undelivered, Failed, Read, Canceled];

    #[test]
    fn as_str_and_parse_round_trip() {
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()), Some(status));
            assert_eq!(status.to_string(), status.as_str());
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(MessageStatus::parse("partially_delivered"), Some(Sent));
        assert_eq!(MessageStatus::parse("Delivered"), None);
        assert_eq!(MessageStatus::parse("cancelled"), None);
        assert_eq!(MessageStatus::parse(""), None);
    }

    #[test]
    fn finality() {
        let finals: Vec<_> = MessageStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, vec![Delivered, Undelivered, Failed, Read, Canceled]);
        assert!(!MessageStatus::parse("partially_delivered").is_some_and(|s| s.is_final()));
        assert!(Failed.is_failure() && !Delivered.is_failure() && !Sent.is_failure());
    }

    #[test]
    fn ranks_follow_the_lifecycle() {
        for early in [Queued, Accepted, Scheduled] {
            assert!(early.rank() < Sending.rank());
        }
        assert!(Sending.rank() < Sent.rank());
        for end in [Delivered, Undelivered, Failed] {
            assert!(Sent.rank() < end.rank());
            assert!(end.rank() < Read.rank());
        }
    }

    #[test]
    fn moves_forward_through_twilio_statuses() {
        assert_eq!(merge(Accepted, Queued), Queued);
        assert_eq!(merge(Scheduled, Queued), Queued);
        assert_eq!(merge(Queued, Sending), Sending);
        assert_eq!(merge(Sending, Sent), Sent);
        assert_eq!(merge(Sent, Delivered), Delivered);
        assert_eq!(merge(Sent, Undelivered), Undelivered);
        assert_eq!(merge(Queued, Failed), Failed);
        assert_eq!(merge(Sent, Read), Read);
        assert_eq!(merge(Scheduled, Canceled), Canceled);
    }

    #[test]
    fn never_moves_backwards() {
        assert_eq!(merge(Sent, Queued), Sent);
        assert_eq!(merge(Sent, Sending), Sent);
        assert_eq!(merge(Sending, Accepted), Sending);
        assert_eq!(merge(Queued, Accepted), Queued);
        assert_eq!(merge(Sent, Sent), Sent);
        for status in MessageStatus::ALL {
            assert!(merge(status, Pending).rank() >= status.rank());
            assert!(merge(status, Posting).rank() >= status.rank());
        }
    }

    #[test]
    fn our_statuses_accept_any_twilio_status() {
        for ours in [Pending, Posting] {
            for twilio in MessageStatus::ALL.into_iter().skip(2) {
                assert_eq!(merge(ours, twilio), twilio, "{ours} then {twilio}");
            }
        }
        assert_eq!(merge(Pending, Posting), Posting);
        assert_eq!(merge(Posting, Pending), Posting);
        assert_eq!(merge(Pending, Canceled), Canceled);
    }

    #[test]
    fn late_sent_after_delivered_keeps_delivered() {
        assert_eq!(merge(Delivered, Sent), Delivered);
        assert_eq!(merge(Delivered, Queued), Delivered);
        assert_eq!(merge(Read, Sent), Read);
    }

    #[test]
    fn delivered_becomes_read() {
        assert_eq!(merge(Delivered, Read), Read);
    }

    #[test]
    fn failures_and_cancel_never_change() {
        for end in [Failed, Undelivered, Canceled] {
            for incoming in MessageStatus::ALL {
                assert_eq!(merge(end, incoming), end, "{end} then {incoming}");
            }
        }
    }

    #[test]
    fn every_pair_of_final_states_keeps_the_first_except_delivered_read() {
        for current in FINALS {
            for incoming in FINALS {
                let expected = if current == Delivered && incoming == Read {
                    Read
                } else {
                    current
                };
                assert_eq!(
                    merge(current, incoming),
                    expected,
                    "{current} then {incoming}"
                );
            }
        }
        assert_eq!(merge(Delivered, Undelivered), Delivered);
        assert_eq!(merge(Undelivered, Delivered), Undelivered);
        assert_eq!(merge(Failed, Read), Failed);
    }

    #[test]
    fn errors_are_explained() {
        for code in [
            30001, 30002, 30003, 30004, 30005, 30006, 30007, 30008, 30034, 21211, 21408, 21606,
            21608, 21610, 21612, 21614,
        ] {
            let words = explain_error(code);
            assert!(words.is_some_and(|w| !w.is_empty()), "{code}");
            assert_eq!(
                describe_error(code),
                format!("Twilio error {code}: {}", words.unwrap_or_default())
            );
        }
        assert!(explain_error(21610).is_some_and(|w| w.contains("STOP")));
        assert!(explain_error(30007).is_some_and(|w| w.contains("spam")));
        assert_eq!(explain_error(12345), None);
        assert_eq!(describe_error(12345), "Twilio error 12345");
    }
}
