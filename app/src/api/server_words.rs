//! The server's own words about a refused value or action, in the reader's language.
//!
//! The server writes why it refused something in English (a field's message, a conflict), the
//! language of its logs and of the JSON API. The pages show those words through
//! [`server_words`], which finds them among the English texts of `common.server` in
//! `app/locales/en` and gives the same text in the reader's language, its `{values}` carried
//! over (and translated in turn: `item 2: has no name`). Words it does not know are shown as
//! the server wrote them. Server tests check that the refusals of the order form and of the
//! settings are known here.

use crate::i18n::{td_string, Locale};
use crate::locale::fill;

/// The known texts: each in English (as the server writes it) and in `locale`.
fn known(locale: Locale) -> [(&'static str, &'static str); 49] {
    [
        (
            td_string!(Locale::en, common.server.required),
            td_string!(locale, common.server.required),
        ),
        (
            td_string!(Locale::en, common.server.not_email),
            td_string!(locale, common.server.not_email),
        ),
        (
            td_string!(Locale::en, common.server.not_current_password),
            td_string!(locale, common.server.not_current_password),
        ),
        (
            td_string!(Locale::en, common.server.at_most_bytes),
            td_string!(locale, common.server.at_most_bytes),
        ),
        (
            td_string!(Locale::en, common.server.at_most_chars),
            td_string!(locale, common.server.at_most_chars),
        ),
        (
            td_string!(Locale::en, common.server.at_least_chars),
            td_string!(locale, common.server.at_least_chars),
        ),
        (
            td_string!(Locale::en, common.server.number_format),
            td_string!(locale, common.server.number_format),
        ),
        (
            td_string!(Locale::en, common.server.one_of),
            td_string!(locale, common.server.one_of),
        ),
        (
            td_string!(Locale::en, common.server.window_order),
            td_string!(locale, common.server.window_order),
        ),
        (
            td_string!(Locale::en, common.server.not_a_date),
            td_string!(locale, common.server.not_a_date),
        ),
        (
            td_string!(Locale::en, common.server.no_items),
            td_string!(locale, common.server.no_items),
        ),
        (
            td_string!(Locale::en, common.server.no_items_example),
            td_string!(locale, common.server.no_items_example),
        ),
        (
            td_string!(Locale::en, common.server.item),
            td_string!(locale, common.server.item),
        ),
        (
            td_string!(Locale::en, common.server.no_name),
            td_string!(locale, common.server.no_name),
        ),
        (
            td_string!(Locale::en, common.server.quantity_range),
            td_string!(locale, common.server.quantity_range),
        ),
        (
            td_string!(Locale::en, common.server.quantity_value),
            td_string!(locale, common.server.quantity_value),
        ),
        (
            td_string!(Locale::en, common.server.not_phone),
            td_string!(locale, common.server.not_phone),
        ),
        (
            td_string!(Locale::en, common.server.not_valid_phone),
            td_string!(locale, common.server.not_valid_phone),
        ),
        (
            td_string!(Locale::en, common.server.unreachable_phone),
            td_string!(locale, common.server.unreachable_phone),
        ),
        (
            td_string!(Locale::en, common.server.language_choice),
            td_string!(locale, common.server.language_choice),
        ),
        (
            td_string!(Locale::en, common.server.email_taken),
            td_string!(locale, common.server.email_taken),
        ),
        (
            td_string!(Locale::en, common.server.template_name),
            td_string!(locale, common.server.template_name),
        ),
        (
            td_string!(Locale::en, common.server.template_name_long),
            td_string!(locale, common.server.template_name_long),
        ),
        (
            td_string!(Locale::en, common.server.template_name_taken),
            td_string!(locale, common.server.template_name_taken),
        ),
        (
            td_string!(Locale::en, common.server.template_default),
            td_string!(locale, common.server.template_default),
        ),
        (
            td_string!(Locale::en, common.server.no_template),
            td_string!(locale, common.server.no_template),
        ),
        (
            td_string!(Locale::en, common.server.write_message),
            td_string!(locale, common.server.write_message),
        ),
        (
            td_string!(Locale::en, common.server.no_price),
            td_string!(locale, common.server.no_price),
        ),
        (
            td_string!(Locale::en, common.server.not_a_price),
            td_string!(locale, common.server.not_a_price),
        ),
        (
            td_string!(Locale::en, common.server.unknown_language),
            td_string!(locale, common.server.unknown_language),
        ),
        (
            td_string!(Locale::en, common.server.countries_required),
            td_string!(locale, common.server.countries_required),
        ),
        (
            td_string!(Locale::en, common.server.time_zone),
            td_string!(locale, common.server.time_zone),
        ),
        (
            td_string!(Locale::en, common.server.currency),
            td_string!(locale, common.server.currency),
        ),
        (
            td_string!(Locale::en, common.server.whole_number),
            td_string!(locale, common.server.whole_number),
        ),
        (
            td_string!(Locale::en, common.server.model_name),
            td_string!(locale, common.server.model_name),
        ),
        (
            td_string!(Locale::en, common.server.url_query),
            td_string!(locale, common.server.url_query),
        ),
        (
            td_string!(Locale::en, common.server.not_a_choice),
            td_string!(locale, common.server.not_a_choice),
        ),
        (
            td_string!(Locale::en, common.server.true_false),
            td_string!(locale, common.server.true_false),
        ),
        (
            td_string!(Locale::en, common.server.account_sid),
            td_string!(locale, common.server.account_sid),
        ),
        (
            td_string!(Locale::en, common.server.messaging_sid),
            td_string!(locale, common.server.messaging_sid),
        ),
        (
            td_string!(Locale::en, common.server.language_tag),
            td_string!(locale, common.server.language_tag),
        ),
        (
            td_string!(Locale::en, common.server.metrics_token),
            td_string!(locale, common.server.metrics_token),
        ),
        (
            td_string!(Locale::en, common.server.absolute_url),
            td_string!(locale, common.server.absolute_url),
        ),
        (
            td_string!(Locale::en, common.server.https_only),
            td_string!(locale, common.server.https_only),
        ),
        (
            td_string!(Locale::en, common.server.country_code),
            td_string!(locale, common.server.country_code),
        ),
        (
            td_string!(Locale::en, common.server.gemini_key),
            td_string!(locale, common.server.gemini_key),
        ),
        (
            td_string!(Locale::en, common.server.twilio_token),
            td_string!(locale, common.server.twilio_token),
        ),
        (
            td_string!(Locale::en, common.server.openai_key),
            td_string!(locale, common.server.openai_key),
        ),
        (
            td_string!(Locale::en, common.server.phone_setting),
            td_string!(locale, common.server.phone_setting),
        ),
    ]
}

/// `text`, written by the server in English, in `locale`'s words (unchanged if unknown).
pub fn server_words(text: &str, locale: Locale) -> String {
    if locale == Locale::en {
        return text.to_owned();
    }
    for (english, words) in known(locale) {
        if let Some(values) = matches(english, text) {
            let values: Vec<(&str, String)> = values
                .into_iter()
                .map(|(name, value)| (name, server_words(value, locale)))
                .collect();
            let borrowed: Vec<(&str, &str)> = values
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            return fill(words, &borrowed);
        }
    }
    text.to_owned()
}

/// Those of `messages` that [`server_words`] does not know (the server's tests use it to show
/// that what they refuse with can be said in every language), sorted, without repeats.
pub fn unknown_words(messages: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut unknown: Vec<String> = messages
        .into_iter()
        .filter(|m| server_words(m, Locale::fr) == *m)
        .collect();
    unknown.sort();
    unknown.dedup();
    unknown
}

/// The values of `template`'s `{placeholders}` when `text` is `template` filled in: the
/// literal parts must appear in order, the first at the start and the last at the end.
fn matches<'t>(template: &'static str, text: &'t str) -> Option<Vec<(&'static str, &'t str)>> {
    let mut parts = Vec::new();
    let mut rest = template;
    let mut names = Vec::new();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        parts.push(&rest[..open]);
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    parts.push(rest);
    let mut remaining = text.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = parts[i + 1];
        let end = if i + 2 == parts.len() {
            // The last value runs to the final literal, which ends the text.
            // (`strip_suffix`, not a byte offset: the text may hold characters of several bytes.)
            remaining.strip_suffix(next)?.len()
        } else {
            remaining.find(next)?
        };
        if end == 0 {
            return None;
        }
        values.push((*name, &remaining[..end]));
        remaining = &remaining[end + next.len()..];
    }
    remaining.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_s_words_are_said_in_french_with_their_values() {
        let french = Locale::fr;
        assert_eq!(server_words("is required", french), "est obligatoire");
        assert_eq!(
            server_words("must be at most 200 characters", french),
            "doit faire au plus 200 caractères"
        );
        assert_eq!(
            server_words("item 2: has no name", french),
            "article 2 : n’a pas de nom"
        );
        assert_eq!(
            server_words("item 3: quantity \"x\" must be between 1 and 10000", french),
            "article 3 : la quantité \"x\" doit être comprise entre 1 et 10000"
        );
        assert_eq!(
            server_words("\"12\" is not a phone number", french),
            "\"12\" n’est pas un numéro de téléphone"
        );
        assert_eq!(
            server_words("add at least one item, e.g. 2 x Margherita @ 12.50", french),
            "ajoutez au moins un article, par exemple 2 x Margherita @ 12.50"
        );
    }

    #[test]
    fn english_and_unknown_words_are_shown_as_written() {
        assert_eq!(server_words("is required", Locale::en), "is required");
        assert_eq!(
            server_words("the moon is full", Locale::fr),
            "the moon is full"
        );
        assert_eq!(server_words("is required!", Locale::fr), "is required!");
        // Characters of several bytes where a literal would start or end cut nothing.
        for text in [
            "é",
            "’’’’’’’’’’’’’’’’’’’’’’’’’’’’’’’’",
            "item é: ’",
            "é has no name",
        ] {
            let _ = server_words(text, Locale::fr);
        }
        assert_eq!(
            server_words("« é » is not a phone number", Locale::fr),
            "« é » n’est pas un numéro de téléphone"
        );
        assert_eq!(
            server_words("must be at most  characters", Locale::fr),
            "must be at most  characters"
        );
    }
}
