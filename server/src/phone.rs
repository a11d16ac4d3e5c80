//! Phone numbers as people type them, parsed into E.164 with the `phonenumber` crate
//! (Google's libphonenumber metadata). Everything stored is E.164.

use phonenumber::{country, Mode};

/// Why a typed phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("is not a phone number")]
    Unparseable,
    #[error("is not a valid phone number for its country")]
    Invalid,
}

/// Parses `input` ("06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678") into E.164
/// ("+33612345678"), reading national formats in `default_region`.
pub fn parse_e164(input: &str, default_region: country::Id) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    let normalized;
    // "00" is the international prefix in most of the world; libphonenumber only knows it per region.
    let text = match trimmed.strip_prefix("00") {
        Some(rest) if !rest.starts_with('0') => {
            normalized = format!("+{rest}");
            normalized.as_str()
        }
        _ => trimmed,
    };
    let number =
        phonenumber::parse(Some(default_region), text).map_err(|_| PhoneError::Unparseable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::Invalid);
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// Whether a search text looks like a phone number (digits with the usual separators).
pub fn looks_like_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    digits >= 6
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_national_format_becomes_e164() {
        assert_eq!(
            parse_e164("06 12 34 56 78", country::Id::FR).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            parse_e164("06.12.34.56.78", country::Id::FR).unwrap(),
            "+33612345678"
        );
    }

    #[test]
    fn international_formats_keep_their_country() {
        assert_eq!(
            parse_e164("+1 415 867 5309", country::Id::FR).unwrap(),
            "+14158675309"
        );
        assert_eq!(
            parse_e164("0044 20 7946 0958", country::Id::FR).unwrap(),
            "+442079460958"
        );
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert_eq!(
            parse_e164("hello", country::Id::FR),
            Err(PhoneError::Unparseable)
        );
        assert!(parse_e164("06 12", country::Id::FR).is_err());
        assert!(parse_e164("", country::Id::FR).is_err());
    }

    #[test]
    fn phone_like_search_text_is_recognised() {
        assert!(looks_like_phone("06 12 34 56 78"));
        assert!(looks_like_phone("+33612345678"));
        assert!(!looks_like_phone("Dupont"));
        assert!(!looks_like_phone("1234"));
    }
}
