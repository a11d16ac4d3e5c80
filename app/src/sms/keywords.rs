//! Opt-out and opt-in keywords in a customer's reply.
//!
//! Twilio handles these keywords itself on long codes and toll-free numbers ("Twilio support
//! for opt-out keywords (SMS STOP filtering)", support.twilio.com): after an opt-out, further
//! messages to that number fail with error 21610 until the customer opts back in. We recognise
//! the same words so that the order desk can show and record the customer's choice.
//!
//! A reply is a keyword only if the **whole** body, trimmed of surrounding whitespace (spaces,
//! tabs, newlines), is exactly one of the words, in any letter case:
//! - opt-out: `STOP`, `STOPALL`, `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT`, `REVOKE`, `OPTOUT`;
//! - opt-in: `START`, `UNSTOP`, `YES`.
//!
//! Anything else, such as "stop please" or "non", is an ordinary reply.

use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};

/// The customer's choice expressed by a keyword reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Keyword {
    /// The customer no longer wants messages.
    OptOut,
    /// The customer wants messages again.
    OptIn,
}

impl Keyword {
    /// The customer's choice in `locale`'s words: "opted out", "opted in again".
    pub fn label_in(self, locale: Locale) -> &'static str {
        match self {
            Keyword::OptOut => td_string!(locale, texts.keyword.opted_out),
            Keyword::OptIn => td_string!(locale, texts.keyword.opted_in),
        }
    }
}

/// Words that opt the sender out.
pub const OPT_OUT_WORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];

/// Words that opt the sender back in.
pub const OPT_IN_WORDS: [&str; 3] = ["START", "UNSTOP", "YES"];

/// The keyword that the reply `body` consists of, if any.
pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim();
    let matches = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
    if matches(&OPT_OUT_WORDS) {
        Some(Keyword::OptOut)
    } else if matches(&OPT_IN_WORDS) {
        Some(Keyword::OptIn)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_opt_out_word() {
        for word in [
            "STOP",
            "STOPALL",
            "UNSUBSCRIBE",
            "CANCEL",
            "END",
            "QUIT",
            "REVOKE",
            "OPTOUT",
        ] {
            assert_eq!(keyword(word), Some(Keyword::OptOut), "{word}");
        }
    }

    #[test]
    fn each_opt_in_word() {
        for word in ["START", "UNSTOP", "YES"] {
            assert_eq!(keyword(word), Some(Keyword::OptIn), "{word}");
        }
    }

    #[test]
    fn any_letter_case() {
        assert_eq!(keyword("stop"), Some(Keyword::OptOut));
        assert_eq!(keyword("Stop"), Some(Keyword::OptOut));
        assert_eq!(keyword("sToPaLl"), Some(Keyword::OptOut));
        assert_eq!(keyword("unsubscribe"), Some(Keyword::OptOut));
        assert_eq!(keyword("yes"), Some(Keyword::OptIn));
        assert_eq!(keyword("Start"), Some(Keyword::OptIn));
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(keyword("  STOP  "), Some(Keyword::OptOut));
        assert_eq!(keyword("\nstop\n"), Some(Keyword::OptOut));
        assert_eq!(keyword("\r\n\tQuit \r\n"), Some(Keyword::OptOut));
        assert_eq!(keyword(" start\n"), Some(Keyword::OptIn));
    }

    #[test]
    fn other_replies_are_not_keywords() {
        for body in [
            "",
            "   ",
            "stop please",
            "STOP!",
            "S T O P",
            "st op",
            "non",
            "no",
            "oui",
            "yes please",
            "stopp",
            "help",
            "Merci, à demain",
            "stop\nstop",
        ] {
            assert_eq!(keyword(body), None, "{body:?}");
        }
    }
}
