//! How times and amounts are shown: one rule everywhere. Times are converted to the business's
//! time zone (Settings › Business, default the server's zone) and amounts carry the business's
//! currency (default EUR). The same code runs on the server and in the browser, so server-rendered
//! pages and hydrated ones agree, daylight saving included.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The display rule of this business, loaded once with the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPrefs {
    /// An IANA zone name, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// An ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl Default for DisplayPrefs {
    fn default() -> Self {
        DisplayPrefs {
            time_zone: "UTC".into(),
            currency: "EUR".into(),
        }
    }
}

impl DisplayPrefs {
    fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// `28 Nov 14:05` in the business's zone.
    pub fn short_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone())
            .format("%d %b %H:%M")
            .to_string()
    }

    /// `2026-11-28 14:05` in the business's zone.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// `28 Nov 14:05:09` in the business's zone (call logs).
    pub fn precise_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone())
            .format("%d %b %H:%M:%S")
            .to_string()
    }

    /// `27.00 €`, `$27.00`, `£27.00`, or `27.00 CHF` for codes without a common symbol.
    pub fn money(&self, cents: i64) -> String {
        let amount = super::format_cents(cents);
        match self.currency.as_str() {
            "EUR" => format!("{amount} €"),
            "USD" => format!("${amount}"),
            "GBP" => format!("£{amount}"),
            code => format!("{amount} {code}"),
        }
    }

    /// "Times in Europe/Paris · amounts in EUR": said once, in the page footer.
    pub fn summary(&self) -> String {
        format!("Times in {} · amounts in {}", self.time_zone, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_follow_the_zone_and_its_daylight_saving() {
        let paris = DisplayPrefs {
            time_zone: "Europe/Paris".into(),
            currency: "EUR".into(),
        };
        let winter = Utc.with_ymd_and_hms(2026, 11, 28, 13, 5, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 13, 5, 0).unwrap();
        assert_eq!(paris.short_time(winter), "28 Nov 14:05");
        assert_eq!(paris.date_time(summer), "2026-07-01 15:05");
        let unknown = DisplayPrefs {
            time_zone: "Mars/Olympus".into(),
            ..DisplayPrefs::default()
        };
        assert_eq!(unknown.short_time(winter), "28 Nov 13:05");
    }

    #[test]
    fn amounts_carry_the_currency() {
        let mut prefs = DisplayPrefs::default();
        assert_eq!(prefs.money(2700), "27.00 €");
        prefs.currency = "USD".into();
        assert_eq!(prefs.money(1250), "$12.50");
        prefs.currency = "CHF".into();
        assert_eq!(prefs.money(5), "0.05 CHF");
    }
}
