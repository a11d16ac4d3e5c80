//! How times and amounts are shown: one rule everywhere. Times are converted to the business's
//! time zone (Settings › Business, default the server's zone) and amounts carry the business's
//! currency (default EUR), both written the way the reader's language writes them
//! (`28 Nov 17:30–18:00` and `31.40 €` in English, `28 nov. 17:30–18:00` and `31,40 €` in
//! French). The same code runs on the server and in the browser, so server-rendered pages and
//! hydrated ones agree, daylight saving included.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language of the interface (and of a customer). English when nothing else is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 code: `en`, `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, as a language menu shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// The abbreviated month name (`Nov`, `nov.`) of `month` (1-12).
    fn month(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const FR: [&str; 12] = [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ];
        let index = (month.clamp(1, 12) - 1) as usize;
        match self {
            Lang::En => EN[index],
            Lang::Fr => FR[index],
        }
    }

    /// `28 Nov 14:05` / `28 nov. 14:05`.
    pub fn day_time(self, at: NaiveDateTime) -> String {
        let (day, month, time) = (at.day(), self.month(at.month()), at.format("%H:%M"));
        match self {
            Lang::En => format!("{day:02} {month} {time}"),
            Lang::Fr => format!("{day} {month} {time}"),
        }
    }

    /// A delivery window, compactly: `27 Nov 18:00–18:30` / `27 nov. 18:00–18:30`.
    pub fn window(self, start: Option<NaiveDateTime>, end: Option<NaiveDateTime>) -> String {
        match (start, end, self) {
            (Some(start), Some(end), _) if start.date() == end.date() => {
                format!("{}–{}", self.day_time(start), end.format("%H:%M"))
            }
            (Some(start), Some(end), _) => {
                format!("{} – {}", self.day_time(start), self.day_time(end))
            }
            (Some(start), None, Lang::En) => format!("from {}", self.day_time(start)),
            (Some(start), None, Lang::Fr) => format!("à partir du {}", self.day_time(start)),
            (None, Some(end), Lang::En) => format!("until {}", self.day_time(end)),
            (None, Some(end), Lang::Fr) => format!("jusqu’au {}", self.day_time(end)),
            (None, None, _) => String::new(),
        }
    }

    /// An amount in cents as a plain number: `1,234.50` / `1 234,50` (narrow no-break space).
    pub fn number(self, cents: i64) -> String {
        let (group, decimal) = match self {
            Lang::En => (",", "."),
            Lang::Fr => ("\u{202f}", ","),
        };
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.unsigned_abs();
        let units = (cents / 100).to_string();
        let mut grouped = String::new();
        for (i, digit) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                grouped.push_str(group);
            }
            grouped.push(digit);
        }
        format!("{sign}{grouped}{decimal}{:02}", cents % 100)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;

    /// `fr`, `fr-FR`, `FR`: the language part decides.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let primary = s.split(['-', '_']).next().unwrap_or_default();
        match primary.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "fr" => Ok(Lang::Fr),
            _ => Err(format!("unknown language {s:?} (en or fr)")),
        }
    }
}

/// The display rule of this business, loaded once with the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPrefs {
    /// An IANA zone name, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// An ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// The reader's language (set in the page from the translation context; not sent).
    #[serde(skip)]
    pub lang: Lang,
    /// The business's language (Settings › Agent › Language): a customer's when the order does
    /// not say.
    #[serde(default)]
    pub business_lang: Lang,
}

impl Default for DisplayPrefs {
    fn default() -> Self {
        DisplayPrefs {
            time_zone: "UTC".into(),
            currency: "EUR".into(),
            lang: Lang::En,
            business_lang: Lang::En,
        }
    }
}

impl DisplayPrefs {
    fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// This rule for a reader of `lang`.
    pub fn in_lang(self, lang: Lang) -> Self {
        DisplayPrefs { lang, ..self }
    }

    /// `28 Nov 14:05` / `28 nov. 14:05` in the business's zone.
    pub fn short_time(&self, at: DateTime<Utc>) -> String {
        self.lang
            .day_time(at.with_timezone(&self.zone()).naive_local())
    }

    /// `2026-11-28 14:05` / `28/11/2026 14:05` in the business's zone.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone());
        match self.lang {
            Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
            Lang::Fr => local.format("%d/%m/%Y %H:%M").to_string(),
        }
    }

    /// `28 Nov 14:05:09` / `28 nov. 14:05:09` in the business's zone (call logs).
    pub fn precise_time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone()).naive_local();
        format!("{}{}", self.lang.day_time(local), local.format(":%S"))
    }

    /// A delivery window (stored in the business's local time): `28 nov. 17:30–18:00`.
    pub fn window(&self, start: Option<NaiveDateTime>, end: Option<NaiveDateTime>) -> String {
        self.lang.window(start, end)
    }

    /// English: `27.00 €`, `$27.00`, `£27.00`, `27.00 CHF`. French: `27,00 €`, `27,00 $US`,
    /// `27,00 £GB`, `27,00 CHF` (the symbol after the amount, a narrow no-break space before it).
    pub fn money(&self, cents: i64) -> String {
        let amount = self.lang.number(cents);
        match (self.lang, self.currency.as_str()) {
            (Lang::En, "EUR") => format!("{amount} €"),
            (Lang::En, "USD") => format!("${amount}"),
            (Lang::En, "GBP") => format!("£{amount}"),
            (Lang::En, code) => format!("{amount} {code}"),
            (Lang::Fr, "EUR") => format!("{amount}\u{a0}€"),
            (Lang::Fr, "USD") => format!("{amount}\u{a0}$US"),
            (Lang::Fr, "GBP") => format!("{amount}\u{a0}£GB"),
            (Lang::Fr, code) => format!("{amount}\u{a0}{code}"),
        }
    }

    /// "Times in Europe/Paris · amounts in EUR": said once, in the page footer.
    pub fn summary(&self) -> String {
        match self.lang {
            Lang::En => format!("Times in {} · amounts in {}", self.time_zone, self.currency),
            Lang::Fr => format!(
                "Heures de {} · montants en {}",
                self.time_zone, self.currency
            ),
        }
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
            lang: Lang::En,
            business_lang: Lang::Fr,
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
        prefs.currency = "EUR".into();
        assert_eq!(prefs.money(123_456_789), "1,234,567.89 €");
        assert_eq!(prefs.money(-5), "-0.05 €");
    }

    #[test]
    fn french_readers_get_french_dates_and_amounts() {
        let paris = DisplayPrefs {
            time_zone: "Europe/Paris".into(),
            currency: "EUR".into(),
            lang: Lang::Fr,
            business_lang: Lang::Fr,
        };
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 16, 30, 9).unwrap();
        assert_eq!(paris.short_time(at), "28 nov. 17:30");
        assert_eq!(paris.precise_time(at), "28 nov. 17:30:09");
        assert_eq!(paris.date_time(at), "28/11/2026 17:30");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let (start, end) = (day.and_hms_opt(17, 30, 0), day.and_hms_opt(18, 0, 0));
        assert_eq!(paris.window(start, end), "28 nov. 17:30–18:00");
        assert_eq!(paris.window(start, None), "à partir du 28 nov. 17:30");
        assert_eq!(paris.money(3140), "31,40\u{a0}€");
        assert_eq!(paris.money(123_456), "1\u{202f}234,56\u{a0}€");
        let february = chrono::NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
        assert_eq!(
            Lang::Fr.day_time(february.and_hms_opt(9, 5, 0).unwrap()),
            "3 févr. 09:05"
        );
        assert_eq!(
            paris.clone().in_lang(Lang::En).window(start, end),
            "28 Nov 17:30–18:00"
        );
        assert_eq!(paris.in_lang(Lang::En).money(3140), "31.40 €");
    }

    #[test]
    fn languages_parse_from_tags() {
        assert_eq!("fr-FR".parse::<Lang>(), Ok(Lang::Fr));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("de".parse::<Lang>().is_err());
        assert_eq!(Lang::Fr.to_string(), "fr");
    }
}
