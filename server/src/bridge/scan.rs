//! Finding the big base64 string of an audio message without parsing it: the hot path of the
//! bridge locates the value of one key (`payload`, `delta`, `data`), decodes it straight from
//! the text, and lets serde check everything else on a copy of the line with that value cut out
//! (the "skeleton", a few hundred bytes). Base64 never contains `"` or `\`, so a value with an
//! escape is left to the full serde parse.

/// A key to look for, with its substring searcher built once (built per message, it showed as
/// 3 % of the inbound path's profile).
pub struct Key {
    name: &'static str,
    finder: memchr::memmem::Finder<'static>,
}

impl Key {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            finder: memchr::memmem::Finder::new(name.as_bytes()),
        }
    }
}

/// Byte ranges of the values of every `"key": "..."` member in `text`, in order. A match inside
/// another string is impossible (its quotes would be escaped, and escaped matches are skipped);
/// values holding a backslash are not reported (the caller falls back to serde).
pub fn string_values(text: &str, key: &Key, ranges: &mut Vec<(usize, usize)>) {
    ranges.clear();
    let bytes = text.as_bytes();
    let finder = &key.finder;
    let key = key.name;
    let quoted_key_len = key.len() + 2;
    let mut from = 0;
    while let Some(found) = finder.find(&bytes[from..]) {
        let key_start = from + found;
        from = key_start + key.len();
        let opened = key_start >= 1 && bytes[key_start - 1] == b'"';
        let escaped = key_start >= 2 && bytes[key_start - 2] == b'\\';
        if !opened || escaped || bytes.get(from) != Some(&b'"') {
            continue;
        }
        let Some(value_start) = value_start(bytes, key_start - 1 + quoted_key_len) else {
            continue;
        };
        let Some(len) = memchr::memchr2(b'"', b'\\', &bytes[value_start..]) else {
            return;
        };
        let value_end = value_start + len;
        if bytes[value_end] == b'"' {
            ranges.push((value_start, value_end));
        }
        from = value_end;
    }
}

/// After a key: skips `\s* : \s* "` and returns where the string value starts.
fn value_start(bytes: &[u8], mut at: usize) -> Option<usize> {
    let skip = |at: &mut usize| {
        while matches!(bytes.get(*at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *at += 1;
        }
    };
    skip(&mut at);
    (bytes.get(at) == Some(&b':')).then_some(())?;
    at += 1;
    skip(&mut at);
    (bytes.get(at) == Some(&b'"')).then_some(at + 1)
}

/// Writes `text` with every range in `ranges` emptied (`"key":"..."` becomes `"key":""`) into
/// `skeleton`, replacing its contents.
pub fn cut_values(text: &str, ranges: &[(usize, usize)], skeleton: &mut String) {
    skeleton.clear();
    let mut at = 0;
    for &(start, end) in ranges {
        skeleton.push_str(&text[at..start]);
        at = end;
    }
    skeleton.push_str(&text[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(text: &'a str, key: &'static str) -> Vec<&'a str> {
        let mut ranges = Vec::new();
        string_values(text, &Key::new(key), &mut ranges);
        ranges.iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn finds_the_value_with_or_without_spaces_around_the_colon() {
        assert_eq!(
            values(r#"{"media":{"payload":"AAEC"}}"#, "payload"),
            ["AAEC"]
        );
        assert_eq!(
            values(r#"{"media": {"payload" : "AAEC"}}"#, "payload"),
            ["AAEC"]
        );
    }

    #[test]
    fn finds_every_occurrence_in_order_and_ignores_look_alikes() {
        let text = r#"{"parts":[{"inlineData":{"data":"QQ=="}},{"text":"data"},{"inlineData":{"mimeType":"x","data":"Qg=="}}],"metadata":5}"#;
        assert_eq!(values(text, "data"), ["QQ==", "Qg=="]);
        // A key-like text inside a string value is escaped, so it is not a member.
        assert!(values(r#"{"text":"say \"data\":\"x\""}"#, "data").is_empty());
        // A number value or a longer key is not a match.
        assert!(values(r#"{"data":5,"database":"x"}"#, "data").is_empty());
    }

    #[test]
    fn a_value_with_an_escape_is_left_to_serde() {
        assert!(values(r#"{"delta":"a\u0041"}"#, "delta").is_empty());
    }

    #[test]
    fn cutting_values_leaves_valid_json_with_empty_strings() {
        let text = r#"{"a":"xx","b":{"a":"yyy"}}"#;
        let mut ranges = Vec::new();
        string_values(text, &Key::new("a"), &mut ranges);
        let mut skeleton = String::new();
        cut_values(text, &ranges, &mut skeleton);
        assert_eq!(skeleton, r#"{"a":"","b":{"a":""}}"#);
    }
}
