//! Phone numbers as people read them: stored in E.164 (`+33612345678`), shown in the readable
//! international form (`+33 6 12 34 56 78`). Pure string work, the same on the server and in the
//! browser (no numbering-plan database in the wasm): the country code is found from its length
//! table, and the national number is grouped as that country writes it for the countries this
//! business deals with most (France, NANP, UK, Germany, Belgium, Switzerland, Spain, Italy), in
//! threes otherwise.

/// The readable international form of an E.164 number; anything else is returned as it is.
pub fn display_phone(number: &str) -> String {
    let Some(digits) = number.strip_prefix('+') else {
        return number.to_owned();
    };
    if digits.len() < 4 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_owned();
    }
    let code_len = country_code_len(digits);
    let (code, national) = digits.split_at(code_len);
    let groups: &[usize] = match (code, national.len()) {
        // France, Belgium (mobiles), Switzerland: 6 12 34 56 78 / 470 12 34 56 / 79 123 45 67.
        ("33", 9) => &[1, 2, 2, 2, 2],
        ("32", 9) => &[3, 2, 2, 2],
        ("41", 9) => &[2, 3, 2, 2],
        // NANP: 201 555 0146.
        ("1", 10) => &[3, 3, 4],
        // UK mobiles and most others: 7700 900123.
        ("44", 10) => &[4, 6],
        // Spain and Italy (mobiles): 612 34 56 78 / 312 345 6789.
        ("34", 9) => &[3, 2, 2, 2],
        ("39", 10) => &[3, 3, 4],
        // Germany (mobiles): 151 23456789.
        ("49", 11) => &[3, 8],
        _ => &[],
    };
    let mut out = format!("+{code}");
    let mut rest = national;
    if groups.is_empty() {
        while !rest.is_empty() {
            let take = if rest.len() == 4 {
                4
            } else {
                rest.len().min(3)
            };
            let (group, tail) = rest.split_at(take);
            out.push(' ');
            out.push_str(group);
            rest = tail;
        }
    } else {
        for &size in groups {
            let (group, tail) = rest.split_at(size.min(rest.len()));
            out.push(' ');
            out.push_str(group);
            rest = tail;
        }
    }
    out
}

/// How many leading digits are the country code (ITU-T E.164 assignments: 1 and 7 are one digit,
/// the two-digit codes below, three digits otherwise).
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 43] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
    ];
    match digits.as_bytes()[0] {
        b'1' | b'7' => 1,
        _ if TWO_DIGIT.contains(&&digits[..2]) || digits.starts_with("98") => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::display_phone;

    #[test]
    fn numbers_are_grouped_as_their_country_writes_them() {
        for (stored, shown) in [
            ("+33612345678", "+33 6 12 34 56 78"),
            ("+12015550146", "+1 201 555 0146"),
            ("+447700900123", "+44 7700 900123"),
            ("+32470123456", "+32 470 12 34 56"),
            ("+41791234567", "+41 79 123 45 67"),
            ("+34612345678", "+34 612 34 56 78"),
            ("+393123456789", "+39 312 345 6789"),
            ("+4915123456789", "+49 151 23456789"),
            ("+35312345678", "+353 123 456 78"),
            ("+212612345678", "+212 612 345 678"),
        ] {
            assert_eq!(display_phone(stored), shown, "{stored}");
        }
    }

    #[test]
    fn what_is_not_e164_is_left_alone() {
        for text in [
            "",
            "06 12 34 56 78",
            "+33 6 12",
            "+12",
            "+1234567890123456",
            "+33a12345678",
        ] {
            assert_eq!(display_phone(text), text);
        }
    }
}
