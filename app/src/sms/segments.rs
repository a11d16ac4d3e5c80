//! Encoding detection and segment counting, the way Twilio bills an SMS.
//!
//! **Alphabet.** An SMS is sent in the GSM 7-bit default alphabet when every character is in the
//! GSM 03.38 basic character set (3GPP TS 23.038 §6.2.1, 128 positions, one septet each) or its
//! extension table (§6.2.1.1: `^ { } \ [ ~ ] |`, `€` and form feed), whose characters are sent as
//! ESC + code and so cost **two** septets. ESC (0x1B) itself is not a character a user can type.
//! Any other character (for example `ç`, `ê`, `œ`, curly quotes or an emoji) switches the
//! *whole* message to UCS-2, counted in UTF-16 code units (an emoji outside the Basic
//! Multilingual Plane is a surrogate pair: two units).
//!
//! **Segments** (Twilio, "What the heck is a segment?" and "Messaging Character Limits",
//! support.twilio.com): a single SMS holds 160 septets or 70 UCS-2 units. A longer message is
//! split into concatenated parts whose user-data header leaves 153 septets or 67 units each.
//! An escape pair is never split between parts, and neither is a surrogate pair, so we fill the
//! parts one character at a time rather than dividing by 153 or 67.
//!
//! An empty body is counted as **0 segments**: there is nothing to send. Twilio refuses a
//! `Body` longer than [`MAX_CHARACTERS`] characters.
//!
//! No substitution is done here ("smart encoding" that turns `’` into `'`): the count is for the
//! text exactly as written.

use crate::i18n::{td_string, Locale};
use crate::locale::{count_text, fill};
use serde::{Deserialize, Serialize};

/// Twilio's limit on the `Body` of one message, in characters.
pub const MAX_CHARACTERS: usize = 1600;

/// Septets in a single GSM-7 SMS.
pub const GSM7_SINGLE: usize = 160;
/// Septets in each part of a concatenated GSM-7 SMS.
pub const GSM7_MULTIPART: usize = 153;
/// UTF-16 code units in a single UCS-2 SMS.
pub const UCS2_SINGLE: usize = 70;
/// UTF-16 code units in each part of a concatenated UCS-2 SMS.
pub const UCS2_MULTIPART: usize = 67;

/// The GSM 03.38 basic character set in code order (0x00..=0x7F). Position 0x1B is ESC, the
/// escape to the extension table, which is not a user character (see [`is_gsm_basic`]).
const GSM_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// Position of ESC in [`GSM_BASIC`].
const ESC_POSITION: usize = 0x1B;

/// The GSM 03.38 extension table: characters sent as ESC + code, two septets each.
const GSM_EXTENSION: [char; 10] = ['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

/// How a message body is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// GSM 7-bit default alphabet (160 / 153 septets per segment).
    Gsm7,
    /// UCS-2 (70 / 67 UTF-16 code units per segment).
    Ucs2,
}

/// What a message body costs: its encoding, size and number of billed segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsCount {
    /// Unicode scalar values, as the user sees them.
    pub characters: usize,
    /// The encoding the whole message is sent in.
    pub encoding: Encoding,
    /// Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    pub units: usize,
    /// Segments Twilio bills; 0 for an empty body.
    pub segments: usize,
    /// The distinct characters that force UCS-2, in first-seen order (empty for GSM-7).
    pub ucs2_characters: Vec<char>,
    /// Capacity of a segment in units: 160 or 153 for GSM-7, 70 or 67 for UCS-2.
    pub per_segment: usize,
    /// Units still free in the last segment.
    pub remaining: usize,
}

/// Whether `c` is one of the 127 user characters of the GSM 03.38 basic set (one septet).
pub fn is_gsm_basic(c: char) -> bool {
    GSM_BASIC
        .iter()
        .enumerate()
        .any(|(position, &basic)| position != ESC_POSITION && basic == c)
}

/// Whether `c` is in the GSM 03.38 extension table (two septets: ESC + code).
pub fn is_gsm_extension(c: char) -> bool {
    GSM_EXTENSION.contains(&c)
}

/// Septets `c` costs in GSM-7, or `None` if it is not in the GSM alphabet.
fn gsm_septets(c: char) -> Option<usize> {
    if is_gsm_basic(c) {
        Some(1)
    } else if is_gsm_extension(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts characters, encoding, units and segments of `body`.
pub fn count(body: &str) -> SmsCount {
    let mut ucs2_characters: Vec<char> = Vec::new();
    for c in body.chars() {
        if gsm_septets(c).is_none() && !ucs2_characters.contains(&c) {
            ucs2_characters.push(c);
        }
    }
    let (encoding, single, multipart) = if ucs2_characters.is_empty() {
        (Encoding::Gsm7, GSM7_SINGLE, GSM7_MULTIPART)
    } else {
        (Encoding::Ucs2, UCS2_SINGLE, UCS2_MULTIPART)
    };
    // Every character's cost in the chosen encoding.
    let costs: Vec<usize> = body
        .chars()
        .map(|c| match encoding {
            Encoding::Gsm7 => gsm_septets(c).unwrap_or(1),
            Encoding::Ucs2 => c.len_utf16(),
        })
        .collect();
    let units: usize = costs.iter().sum();
    let characters = costs.len();

    let (segments, per_segment, remaining) = if units == 0 {
        (0, single, single)
    } else if units <= single {
        (1, single, single - units)
    } else {
        // Fill parts one character at a time: a 2-unit character never straddles two parts.
        let mut segments = 1;
        let mut used = 0;
        for cost in costs {
            if used + cost > multipart {
                segments += 1;
                used = 0;
            }
            used += cost;
        }
        (segments, multipart, multipart - used)
    };

    SmsCount {
        characters,
        encoding,
        units,
        segments,
        ucs2_characters,
        per_segment,
        remaining,
    }
}

impl SmsCount {
    /// "12 characters · GSM-7 · 1 segment" in `locale`'s words, naming (up to eight of) the
    /// characters that force UCS-2.
    pub fn summary_in(&self, locale: Locale) -> String {
        let encoding = match self.encoding {
            Encoding::Gsm7 => "GSM-7".to_owned(),
            Encoding::Ucs2 => {
                let forcing: String = self.ucs2_characters.iter().take(8).collect();
                fill(
                    td_string!(locale, texts.counter.ucs2),
                    &[("characters", &forcing)],
                )
            }
        };
        let segments = count_text(
            locale,
            self.segments as u64,
            td_string!(locale, texts.counter.segments.one),
            td_string!(locale, texts.counter.segments.other),
        );
        format!("{} · {encoding} · {segments}", self.characters_in(locale))
    }

    /// "12 characters before filling in, 1 segment(s)": a template's count, in `locale`'s words.
    pub fn template_summary_in(&self, locale: Locale) -> String {
        let segments = count_text(
            locale,
            self.segments as u64,
            td_string!(locale, texts.counter.template_segments.one),
            td_string!(locale, texts.counter.template_segments.other),
        );
        fill(
            td_string!(locale, texts.counter.template),
            &[
                ("characters", &self.characters_in(locale)),
                ("segments", &segments),
            ],
        )
    }

    /// "12 characters" in `locale`'s words.
    fn characters_in(&self, locale: Locale) -> String {
        count_text(
            locale,
            self.characters as u64,
            td_string!(locale, texts.counter.characters.one),
            td_string!(locale, texts.counter.characters.other),
        )
    }
}

/// Whether `body` is over Twilio's [`MAX_CHARACTERS`] limit and would be refused.
pub fn too_long(body: &str) -> bool {
    body.chars().count() > MAX_CHARACTERS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: usize) -> String {
        "a".repeat(n)
    }

    #[test]
    fn basic_table_has_127_distinct_user_characters_and_esc() {
        let user: Vec<char> = (0..128)
            .filter(|&i| i != ESC_POSITION)
            .map(|i| GSM_BASIC[i])
            .collect();
        let mut distinct = user.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 127);
        assert!(user.iter().all(|&c| is_gsm_basic(c)));
        assert!(!is_gsm_basic('\u{1B}'));
        assert!(GSM_EXTENSION.iter().all(|&c| !is_gsm_basic(c)));
        assert!(GSM_EXTENSION.iter().all(|&c| is_gsm_extension(c)));
    }

    #[test]
    fn empty_body_is_zero_segments() {
        let counted = count("");
        assert_eq!(counted.characters, 0);
        assert_eq!(counted.encoding, Encoding::Gsm7);
        assert_eq!(counted.units, 0);
        assert_eq!(counted.segments, 0);
        assert_eq!(counted.per_segment, 160);
        assert_eq!(counted.remaining, 160);
    }

    #[test]
    fn ascii_single_segment_boundary() {
        let counted = count(&a(160));
        assert_eq!(
            (counted.encoding, counted.units, counted.segments),
            (Encoding::Gsm7, 160, 1)
        );
        assert_eq!((counted.per_segment, counted.remaining), (160, 0));
        let counted = count(&a(161));
        assert_eq!(counted.segments, 2);
        assert_eq!((counted.per_segment, counted.remaining), (153, 145));
        assert_eq!(count("Hello").remaining, 155);
    }

    #[test]
    fn ascii_multipart_boundaries() {
        assert_eq!(count(&a(306)).segments, 2);
        assert_eq!(count(&a(306)).remaining, 0);
        assert_eq!(count(&a(307)).segments, 3);
        assert_eq!(count(&a(307)).remaining, 152);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        for ext in ['€', '^', '{', '}', '\\', '[', ']', '~', '|', '\u{0C}'] {
            let counted = count(&format!("{}{ext}", a(159)));
            assert_eq!(counted.encoding, Encoding::Gsm7, "{ext:?}");
            assert_eq!(counted.characters, 160, "{ext:?}");
            assert_eq!(counted.units, 161, "{ext:?}");
            assert_eq!(counted.segments, 2, "{ext:?}");
        }
        assert_eq!(count(&format!("{}€", a(158))).segments, 1);
    }

    #[test]
    fn extension_character_straddling_153_moves_to_next_segment() {
        // 152 + 2 + 152 = 306 septets: naively 2 segments, but the € cannot be split.
        let counted = count(&format!("{}€{}", a(152), a(152)));
        assert_eq!(counted.units, 306);
        assert_eq!(counted.segments, 3);
        assert_eq!(counted.remaining, 152);
        // At 151 the pair fits exactly in the first part.
        assert_eq!(count(&format!("{}€{}", a(151), a(153))).segments, 2);
    }

    #[test]
    fn accents_in_the_gsm_set_stay_gsm7() {
        let counted = count("Café à 10h, réglé. Ça va? Ñandu É Ü ß ¿¡ Øre £5 ¥ §");
        assert_eq!(counted.encoding, Encoding::Gsm7);
        assert!(counted.ucs2_characters.is_empty());
    }

    #[test]
    fn characters_outside_gsm_force_ucs2_and_are_named() {
        let counted = count("Ça coûte peu, reçu ê");
        assert_eq!(counted.encoding, Encoding::Ucs2);
        assert_eq!(counted.ucs2_characters, vec!['û', 'ç', 'ê']);
        assert_eq!(counted.units, counted.characters);
        assert_eq!((counted.per_segment, counted.remaining), (70, 50));
        assert_eq!(count("garçon").ucs2_characters, vec!['ç']);
        assert_eq!(count("Garçon Ç").ucs2_characters, vec!['ç']);
    }

    #[test]
    fn emoji_forces_ucs2_and_counts_two_units() {
        let counted = count("Merci 😀😀");
        assert_eq!(counted.encoding, Encoding::Ucs2);
        assert_eq!(counted.characters, 8);
        assert_eq!(counted.units, 10);
        assert_eq!(counted.ucs2_characters, vec!['😀']);
        assert_eq!(counted.segments, 1);
    }

    #[test]
    fn ucs2_boundaries() {
        let body = |n: usize| format!("ê{}", a(n - 1));
        assert_eq!(count(&body(70)).segments, 1);
        assert_eq!(count(&body(70)).remaining, 0);
        assert_eq!(count(&body(71)).segments, 2);
        assert_eq!(count(&body(71)).per_segment, 67);
        assert_eq!(count(&body(134)).segments, 2);
        assert_eq!(count(&body(135)).segments, 3);
        assert_eq!(count(&body(135)).remaining, 66);
    }

    #[test]
    fn emoji_straddling_unit_67_moves_to_next_segment() {
        // 66 + 2 + 66 = 134 units: naively 2 segments, but the surrogate pair cannot be split.
        let counted = count(&format!("{}😀{}", a(66), a(66)));
        assert_eq!(counted.units, 134);
        assert_eq!(counted.segments, 3);
        assert_eq!(counted.remaining, 66);
        assert_eq!(count(&format!("{}😀{}", a(65), a(67))).segments, 2);
    }

    #[test]
    fn extension_characters_in_ucs2_cost_one_unit() {
        let counted = count("ê€{");
        assert_eq!(counted.encoding, Encoding::Ucs2);
        assert_eq!(counted.units, 3);
    }

    #[test]
    fn too_long_is_over_1600_characters() {
        assert!(!too_long(&a(MAX_CHARACTERS)));
        assert!(too_long(&a(MAX_CHARACTERS + 1)));
        // Characters, not bytes: 1600 two-byte characters are still allowed.
        assert!(!too_long(&"é".repeat(MAX_CHARACTERS)));
    }

    #[test]
    fn counts_are_said_in_each_language() {
        assert_eq!(
            count("Hello").summary_in(Locale::en),
            "5 characters · GSM-7 · 1 segment"
        );
        assert_eq!(
            count("").summary_in(Locale::en),
            "0 characters · GSM-7 · 0 segments"
        );
        assert_eq!(
            count("reçu").summary_in(Locale::en),
            "4 characters · UCS-2 (because of ç) · 1 segment"
        );
        assert_eq!(
            count("reçu").summary_in(Locale::fr),
            "4 caractères · UCS-2 (à cause de ç) · 1 segment"
        );
        assert_eq!(
            count(&a(161)).template_summary_in(Locale::en),
            "161 characters before filling in, 2 segment(s)"
        );
        assert_eq!(
            count("a").template_summary_in(Locale::en),
            "1 characters before filling in, 1 segment(s)"
        );
    }
}
