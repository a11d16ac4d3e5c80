//! Phone numbers as people type them, parsed into E.164 with the `phonenumber` crate
//! (Google's libphonenumber metadata). Everything stored is E.164.

use phonenumber::{country, Mode};

/// The French number blocks ARCEP reserves for fiction (films, books, demos): no subscriber
/// ever has them. E.164 prefixes, each followed by four digits: 01 99 00 xx xx, 02 61 91 xx xx,
/// 03 53 01 xx xx, 04 65 71 xx xx, 05 36 49 xx xx, 06 39 98 xx xx and 09 97 48 xx xx.
pub const FICTION_PREFIXES: [&str; 7] = [
    "+3319900", "+3326191", "+3335301", "+3346571", "+3353649", "+3363998", "+3399748",
];

/// Whether an E.164 number lies in a block reserved for fiction (see [`FICTION_PREFIXES`]).
pub fn is_fiction(e164: &str) -> bool {
    FICTION_PREFIXES.iter().any(|prefix| {
        e164.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == 4 && rest.chars().all(|c| c.is_ascii_digit()))
    })
}

/// Why a call may not go to a number (toll-fraud protection).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("{number} is in {country}, and calls may only reach {allowed} (Settings › Agent › Countries calls may reach)")]
    CountryNotAllowed {
        number: String,
        country: String,
        allowed: String,
    },
    #[error("{0} is a premium-rate number: calls to premium-rate numbers are refused")]
    PremiumRate(String),
    #[error("{0} is a shared-cost number: calls to shared-cost numbers are refused")]
    SharedCost(String),
    #[error("{0} is not a phone number calls can reach")]
    Unknown(String),
}

/// Whether a call may go to `e164`: its country must be one of `allowed`, and it must not be a
/// premium-rate or shared-cost number. Numbers reserved for fiction count as French.
pub fn check_destination(e164: &str, allowed: &[country::Id]) -> Result<(), DestinationError> {
    let names = || {
        allowed
            .iter()
            .map(|id| id.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (region, kind) = if is_fiction(e164) {
        (Some(country::Id::FR), phonenumber::Type::Mobile)
    } else {
        let number = phonenumber::parse(None, e164)
            .map_err(|_| DestinationError::Unknown(e164.to_owned()))?;
        (
            number.country().id(),
            number.number_type(&phonenumber::metadata::DATABASE),
        )
    };
    match kind {
        phonenumber::Type::PremiumRate => {
            return Err(DestinationError::PremiumRate(e164.to_owned()))
        }
        phonenumber::Type::SharedCost => return Err(DestinationError::SharedCost(e164.to_owned())),
        _ => {}
    }
    match region {
        Some(region) if allowed.contains(&region) => Ok(()),
        region => Err(DestinationError::CountryNotAllowed {
            number: e164.to_owned(),
            country: region.map_or_else(
                || "an unknown country".to_owned(),
                |id| id.as_ref().to_owned(),
            ),
            allowed: names(),
        }),
    }
}

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
    let e164 = number.format().mode(Mode::E164).to_string();
    // libphonenumber refuses the blocks reserved for fiction (06 39 98 ...); demo data uses them.
    if !phonenumber::is_valid(&number) && !is_fiction(&e164) {
        return Err(PhoneError::Invalid);
    }
    Ok(e164)
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
    fn numbers_reserved_for_fiction_are_accepted_and_recognised() {
        assert_eq!(
            parse_e164("06 39 98 12 34", country::Id::FR).as_deref(),
            Ok("+33639981234")
        );
        assert_eq!(
            parse_e164("01 99 00 56 78", country::Id::FR).as_deref(),
            Ok("+33199005678")
        );
        assert!(is_fiction("+33639981234"));
        assert!(is_fiction("+33997480000"));
        assert!(!is_fiction("+33612345678"));
        assert!(!is_fiction("+336399812345"));
        // The next block is a real one: still checked by libphonenumber.
        assert!(!is_fiction("+33639991234"));
    }

    #[test]
    fn calls_go_only_to_allowed_countries_and_never_to_premium_numbers() {
        let fr = [country::Id::FR];
        assert_eq!(check_destination("+33612345678", &fr), Ok(()));
        assert_eq!(check_destination("+33639981234", &fr), Ok(()));
        let error = check_destination("+442079460958", &fr).unwrap_err();
        assert!(
            matches!(error, DestinationError::CountryNotAllowed { ref country, .. } if country == "GB"),
            "{error}"
        );
        assert!(error.to_string().contains("may only reach FR"), "{error}");
        assert_eq!(
            check_destination("+442079460958", &[country::Id::FR, country::Id::GB]),
            Ok(())
        );
        // 08 99 ... is a French premium-rate number, 08 10 ... shared cost: refused even in France.
        assert!(matches!(
            check_destination("+33899123456", &fr),
            Err(DestinationError::PremiumRate(_))
        ));
        assert!(matches!(
            check_destination("+33810123456", &fr),
            Err(DestinationError::SharedCost(_))
        ));
        // A UK premium-rate number, with the UK allowed.
        assert!(matches!(
            check_destination("+449091234567", &[country::Id::GB]),
            Err(DestinationError::PremiumRate(_))
        ));
    }

    #[test]
    fn phone_like_search_text_is_recognised() {
        assert!(looks_like_phone("06 12 34 56 78"));
        assert!(looks_like_phone("+33612345678"));
        assert!(!looks_like_phone("Dupont"));
        assert!(!looks_like_phone("1234"));
    }
}
