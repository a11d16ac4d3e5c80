//! Wire types of what staff see of a call: its transcript lines and tool calls in the order they
//! happened, the tokens it used with their estimated cost, and its latency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who said a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Caller,
    Agent,
}

impl Speaker {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Caller => "caller",
            Speaker::Agent => "agent",
        }
    }

    /// The label before a line, in English (as the server writes it).
    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    /// The label the page shows before a line, in `locale`.
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Speaker::Caller => td_string!(locale, calls.speaker.caller),
            Speaker::Agent => td_string!(locale, calls.speaker.agent),
        }
    }
}

/// One entry of a call's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JournalEntry {
    /// A whole utterance.
    Line {
        speaker: Speaker,
        text: String,
        at: DateTime<Utc>,
    },
    /// A tool the agent ran, with the JSON it gave and got back (as compact JSON text).
    Tool {
        name: String,
        arguments: String,
        result: String,
        /// The result in plain words ("note added", "error: the note is empty").
        summary: String,
        at: DateTime<Utc>,
    },
}

/// Tokens a call used, as the provider counted them, and what they cost by our estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// An estimate from list prices, in millionths of a US dollar (see the server's
    /// `calls::journal` for the prices); shown in cents.
    pub estimated_cost_microusd: i64,
}

impl CallUsage {
    /// The estimate in US cents, e.g. `≈ 3.20 ¢`.
    pub fn cost_label(&self) -> String {
        let cents = self.estimated_cost_microusd / 10_000;
        let hundredths = (self.estimated_cost_microusd % 10_000) / 100;
        format!("≈ {cents}.{hundredths:02} ¢")
    }
}

/// What staff see of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallJournal {
    pub call_id: i64,
    /// Lines and tool calls, oldest first.
    pub entries: Vec<JournalEntry>,
    pub usage: CallUsage,
    /// Median ms from the caller's end of speech to the agent's first audio, once measured.
    pub latency_median_ms: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_shown_in_cents_with_two_decimals() {
        let usage = |micro| CallUsage {
            estimated_cost_microusd: micro,
            ..CallUsage::default()
        };
        assert_eq!(usage(32_000).cost_label(), "≈ 3.20 ¢");
        assert_eq!(usage(99).cost_label(), "≈ 0.00 ¢");
        assert_eq!(usage(1_234_567).cost_label(), "≈ 123.45 ¢");
    }
}
