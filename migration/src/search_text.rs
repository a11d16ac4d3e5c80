//! The normalised text the orders search looks in (`orders.search_text`).
//!
//! It lives in this crate because the migration that adds the column must fill it for the orders
//! already there exactly as the server fills it for new ones, and the server depends on this crate
//! (not the other way round). Pure functions, no dependencies: accents are folded with a table of
//! the Latin letters people type (Western and Central European languages, Vietnamese).

/// Separates the phone digits (first) from the number and name words (after) in `search_text`,
/// so a search for one or two digits can skip the phones. Never part of a word (see [`words`]).
pub const PHONES_END: char = '|';

/// Lower-case letters with diacritics, and the letters they fold to.
const FOLDS: &[(&str, &str)] = &[
    ("àáâãäåāăąǎǻạảấầẩẫậắằẳẵặ", "a"),
    ("æǽ", "ae"),
    ("çćĉċč", "c"),
    ("ďđð", "d"),
    ("èéêëēĕėęěẹẻẽếềểễệ", "e"),
    ("ĝğġģǧ", "g"),
    ("ĥħ", "h"),
    ("ìíîïĩīĭįıǐỉị", "i"),
    ("ĳ", "ij"),
    ("ĵ", "j"),
    ("ķǩ", "k"),
    ("ĺļľŀł", "l"),
    ("ñńņňŉ", "n"),
    ("òóôõöøōŏőǒǿơọỏốồổỗộớờởỡợ", "o"),
    ("œ", "oe"),
    ("ŕŗř", "r"),
    ("śŝşšș", "s"),
    ("ß", "ss"),
    ("ţťŧț", "t"),
    ("þ", "th"),
    ("ùúûüũūŭůűųǔưụủứừửữự", "u"),
    ("ŵ", "w"),
    ("ýÿŷỳỵỷỹ", "y"),
    ("źżž", "z"),
];

/// Combining diacritical marks, as found in decomposed text ("e" + U+0301) and in what
/// `to_lowercase` makes of "İ".
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Lower-cases and removes accents, so that "Inès", "INES" and "ines" compare equal:
/// "Œuvre" -> "oeuvre", "Straße" -> "strasse".
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii() {
            folded.push(c);
        } else if is_combining_mark(c) {
            continue;
        } else if let Some((_, base)) = FOLDS.iter().find(|(letters, _)| letters.contains(c)) {
            folded.push_str(base);
        } else {
            folded.push(c);
        }
    }
    folded
}

/// The words of `text`, folded, with what is not a letter or digit dropped from inside them, so
/// that "D-1012" and "D1012" are both "d1012": "Jean-Luc  O'Neil" -> ["jeanluc", "oneil"].
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

/// The ASCII digits of `text`: "+33 6 12" -> "33612".
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// What `orders.search_text` holds for an order: the digits of its phones (E.164 without the
/// "+"), [`PHONES_END`], then the words of its number and customer name:
/// ("D-1012", "Inès Dupont", ["+33612345678"]) -> "33612345678 | d1012 ines dupont".
pub fn order_search_text<'a>(
    number: &str,
    customer_name: &str,
    phones: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut parts: Vec<String> = phones
        .into_iter()
        .map(digits)
        .filter(|d| !d.is_empty())
        .collect();
    parts.push(PHONES_END.to_string());
    parts.extend(words(number));
    parts.extend(words(customer_name));
    parts.join(" ")
}
