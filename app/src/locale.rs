//! The language of each page: the signed-in user's choice (their profile), else the language
//! this browser last chose (the `orderline_lang` cookie, set when a profile's language is
//! saved), else the browser's `Accept-Language`, else English. The server decides while it renders; the browser hydrates in
//! the language the server chose (the `lang` of `<html>`), so both render the same text. A change
//! of language in the profile reloads the page.
//!
//! Texts come from `app/locales/<lang>/<namespace>.json` through `leptos_i18n` (module
//! [`crate::i18n`]): `t!(i18n, common.nav.orders)` in a view, `t_string!`/`td_string!` where a
//! plain string is needed. A text with values in it names them `{like_this}` and is filled with
//! [`fill`]; a count picks its singular or plural text with [`count_text`]. A unit test checks that
//! both languages have the same keys and the same `{names}` in each text.

use crate::api::Lang;
use crate::i18n::Locale;
use leptos::prelude::*;

/// The translation layer's locale for `lang`.
pub fn locale_of(lang: Lang) -> Locale {
    match lang {
        Lang::En => Locale::en,
        Lang::Fr => Locale::fr,
    }
}

/// The language of a translation-layer locale.
pub fn lang_of(locale: Locale) -> Lang {
    match locale {
        Locale::en => Lang::En,
        Locale::fr => Lang::Fr,
    }
}

/// The page's locale, read once (a change of language reloads the page): for texts built in
/// code, `td_string!(locale, key)`.
pub fn use_locale() -> Locale {
    use_context::<leptos_i18n::I18nContext<Locale>>()
        .map(|i18n| i18n.get_locale_untracked())
        .unwrap_or_default()
}

/// The language of the page being rendered (English outside the translation context).
pub fn use_lang() -> Lang {
    use_context::<leptos_i18n::I18nContext<Locale>>()
        .map(|i18n| lang_of(i18n.get_locale_untracked()))
        .unwrap_or_default()
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// `n` with its noun: `one` or `other` (each with `{count}`) by the language's rule (English:
/// singular for 1; French: singular for 0 and 1).
pub fn count_text(locale: Locale, n: u64, one: &str, other: &str) -> String {
    let singular = match lang_of(locale) {
        Lang::En => n == 1,
        Lang::Fr => n < 2,
    };
    fill(
        if singular { one } else { other },
        &[("count", &n.to_string())],
    )
}

/// The first language of an `Accept-Language` header this app speaks, by the header's weights
/// (`fr-CH, fr;q=0.9, en;q=0.8` -> French; `de, en;q=0.5` -> English; `de` -> none).
pub fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut ranked: Vec<(u16, usize, Lang)> = Vec::new();
    for (position, entry) in accept_language.split(',').enumerate() {
        let mut parts = entry.split(';');
        let Some(Ok(lang)) = parts.next().map(|tag| tag.trim().parse::<Lang>()) else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if weight > 0.0 {
            // Thousandths: ordered by weight, then by position in the header.
            ranked.push(((weight.clamp(0.0, 1.0) * 1000.0) as u16, position, lang));
        }
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|(_, _, lang)| *lang)
}

/// Loads the page the browser is going to afresh, so the server renders it in the signed-in
/// user's language (after signing in as a user whose profile speaks another language than the
/// sign-in page did): the `next` of `/login?next=…`, else the current address.
pub fn reload_in_profile_language() {
    #[cfg(feature = "hydrate")]
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        let here = location.pathname().unwrap_or_default();
        let target = if here == "/login" {
            let search = location.search().unwrap_or_default();
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|pair| pair.strip_prefix("next="))
                .and_then(|next| js_sys::decode_uri_component(next).ok())
                .and_then(|next| next.as_string())
                .filter(|next| crate::pages::layout::safe_next(next).is_some())
                .unwrap_or_else(|| "/orders".to_owned())
        } else {
            location.href().unwrap_or_else(|_| "/orders".to_owned())
        };
        let _ = location.assign(&target);
    }
}

/// Provides the translation context for the whole app (language chosen by [`server_choice`]
/// on the server, read from `<html lang>` in the browser). Used instead of the generated
/// `I18nContextProvider`, which also renders an empty `<script>` the page's content security
/// policy would refuse (it carries no nonce).
pub fn provide() -> leptos_i18n::I18nContext<Locale> {
    use leptos_i18n::context::{init_i18n_context_with_options, I18nContextOptions};
    let options = I18nContextOptions::default()
        .enable_cookie(false)
        .ssr_lang_header_getter(server_choice());
    let i18n = init_i18n_context_with_options::<Locale>(options);
    provide_context(i18n);
    i18n
}

/// How the server picks the page's language while it renders: the signed-in user's profile
/// language, else the `orderline_lang` cookie, else the request's `Accept-Language`, else English (given to the translation
/// layer as the one language it should use).
pub fn server_choice() -> leptos_use::UseLocalesOptions {
    leptos_use::UseLocalesOptions::default().ssr_lang_header_getter(request_lang)
}

#[cfg(feature = "ssr")]
fn request_lang() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let profile = parts
        .extensions
        .get::<crate::ports::CurrentUser>()
        .and_then(|current| current.0.as_ref())
        .and_then(|user| user.language);
    let cookie = || {
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == crate::server_fns::account::LANG_COOKIE)
            .and_then(|(_, value)| value.parse::<Lang>().ok())
    };
    let lang = profile
        .or_else(cookie)
        .or_else(|| {
            parts
                .headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(negotiate)
        })
        .unwrap_or_default();
    Some(lang.code().to_owned())
}

#[cfg(not(feature = "ssr"))]
fn request_lang() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos_i18n::Locale as _;

    #[test]
    fn accept_language_is_read_by_weight_then_order() {
        assert_eq!(negotiate("fr-CH, fr;q=0.9, en;q=0.8"), Some(Lang::Fr));
        assert_eq!(negotiate("de, en;q=0.5, fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(negotiate("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(negotiate("de"), None);
        assert_eq!(negotiate("fr;q=0, en"), Some(Lang::En));
        assert_eq!(negotiate(""), None);
    }

    /// Every namespace file, in both languages.
    const FILES: [(&str, &str, &str); 6] = [
        (
            "common",
            include_str!("../locales/en/common.json"),
            include_str!("../locales/fr/common.json"),
        ),
        (
            "orders",
            include_str!("../locales/en/orders.json"),
            include_str!("../locales/fr/orders.json"),
        ),
        (
            "calls",
            include_str!("../locales/en/calls.json"),
            include_str!("../locales/fr/calls.json"),
        ),
        (
            "texts",
            include_str!("../locales/en/texts.json"),
            include_str!("../locales/fr/texts.json"),
        ),
        (
            "settings",
            include_str!("../locales/en/settings.json"),
            include_str!("../locales/fr/settings.json"),
        ),
        (
            "phone",
            include_str!("../locales/en/phone.json"),
            include_str!("../locales/fr/phone.json"),
        ),
    ];

    /// `key.path` -> text, for every text of a namespace file.
    fn flatten(
        prefix: &str,
        value: &serde_json::Value,
        out: &mut std::collections::BTreeMap<String, String>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    flatten(&format!("{prefix}.{key}"), value, out);
                }
            }
            serde_json::Value::String(text) => {
                out.insert(prefix.to_owned(), text.clone());
            }
            other => panic!("{prefix}: a text or a group of texts, not {other}"),
        }
    }

    /// The `{names}` a text fills in, sorted.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_text_exists_in_both_languages_with_the_same_values_in_it() {
        for (namespace, en, fr) in FILES {
            let (mut english, mut french) = (Default::default(), Default::default());
            flatten(namespace, &serde_json::from_str(en).unwrap(), &mut english);
            flatten(namespace, &serde_json::from_str(fr).unwrap(), &mut french);
            let only_en: Vec<_> = english
                .keys()
                .filter(|k| !french.contains_key(*k))
                .collect();
            let only_fr: Vec<_> = french
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(only_en.is_empty(), "missing in French: {only_en:?}");
            assert!(only_fr.is_empty(), "missing in English: {only_fr:?}");
            for (key, text) in &english {
                let other = &french[key];
                assert!(
                    !text.trim().is_empty() && !other.trim().is_empty(),
                    "{key} is empty"
                );
                assert_eq!(placeholders(text), placeholders(other), "{key}");
                assert!(
                    !text.contains("{{") && !other.contains("{{"),
                    "{key}: use {{name}} and fill()"
                );
            }
        }
    }

    #[test]
    fn texts_are_filled_and_counted_by_each_language_s_rule() {
        assert_eq!(fill("in {wait}", &[("wait", "3 minutes")]), "in 3 minutes");
        assert_eq!(
            count_text(Locale::en, 0, "{count} reply", "{count} replies"),
            "0 replies"
        );
        assert_eq!(
            count_text(Locale::en, 1, "{count} reply", "{count} replies"),
            "1 reply"
        );
        assert_eq!(
            count_text(Locale::fr, 0, "{count} réponse", "{count} réponses"),
            "0 réponse"
        );
        assert_eq!(
            count_text(Locale::fr, 2, "{count} réponse", "{count} réponses"),
            "2 réponses"
        );
    }

    #[test]
    fn locales_and_languages_correspond() {
        for lang in Lang::ALL {
            assert_eq!(lang_of(locale_of(lang)), lang);
            assert_eq!(locale_of(lang).as_str(), lang.code());
        }
    }
}
