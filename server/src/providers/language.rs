//! The language one call is held in, and the words the server itself has the caller hear in it.
//!
//! A call speaks the customer's language when the order names one (`orders.language`) that is
//! not the business's (Settings › Agent › Language), else the business's. The greeting is the
//! configured one in the business's language; in the other language, and whenever the greeting
//! was left at its default, it is the built-in greeting of the call's language, so an English
//! customer of a French business is not greeted in French. The instructions end with one line
//! telling the model which language to speak. Pure: no IO.

use crate::settings::values::default_greeting;
use app::api::Lang;

/// The BCP 47 tag a call with a customer speaking `lang` uses when the business speaks another
/// language: the region Twilio's `<Say>` and the providers' transcription know best.
fn tag_of(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-US",
        Lang::Fr => "fr-FR",
    }
}

/// The language of a call: `business_tag` (the setting, e.g. `fr-FR`), unless the customer's
/// language `customer` is another one.
pub fn call_language(business_tag: &str, customer: Option<Lang>) -> String {
    match customer {
        Some(lang) if business_tag.parse::<Lang>().ok() != Some(lang) => tag_of(lang).to_owned(),
        _ => business_tag.to_owned(),
    }
}

/// The greeting template for a call in `call_tag`: `configured` (Settings › Agent › Greeting)
/// when the call speaks the business's language and the greeting was written for it, else the
/// built-in greeting of the call's language (`configured` when that language has none).
pub fn greeting_template<'a>(configured: &'a str, business_tag: &str, call_tag: &str) -> &'a str {
    let Ok(lang) = call_tag.parse::<Lang>() else {
        return configured;
    };
    let left_at_default = Lang::ALL.iter().any(|&l| configured == default_greeting(l));
    if left_at_default || call_tag != business_tag {
        default_greeting(lang)
    } else {
        configured
    }
}

/// The line appended to the instructions: which language to speak.
pub fn language_rule(call_tag: &str) -> String {
    match call_tag.parse::<Lang>() {
        Ok(Lang::En) => "Speak English with the caller.".to_owned(),
        Ok(Lang::Fr) => "Speak French with the caller.".to_owned(),
        Err(_) => format!("Speak the language of the BCP 47 tag {call_tag} with the caller."),
    }
}

/// What the caller hears when the agent fails during the call (English for a language the
/// server has no words in).
pub fn apology(call_tag: &str) -> &'static str {
    match call_tag.parse::<Lang>() {
        Ok(Lang::Fr) => {
            "Désolé, nous avons un problème technique. Nous vous rappellerons. Au revoir."
        }
        _ => "Sorry, we are having a technical problem. We will call you back. Goodbye.",
    }
}

/// What an answering machine hears when the setting says to leave a message.
pub fn machine_message(call_tag: &str, business: &str) -> String {
    match call_tag.parse::<Lang>() {
        Ok(Lang::Fr) => format!(
            "Bonjour, ici {business}, nous vous appelions au sujet de votre commande. \
             Nous rappellerons plus tard. Au revoir."
        ),
        _ => format!(
            "Hello, this is {business} calling about your order. We will try again later. Goodbye."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_speaks_the_customer_s_language_else_the_business_s() {
        assert_eq!(call_language("fr-FR", None), "fr-FR");
        assert_eq!(call_language("fr-FR", Some(Lang::Fr)), "fr-FR");
        assert_eq!(call_language("fr-FR", Some(Lang::En)), "en-US");
        assert_eq!(call_language("en-GB", Some(Lang::En)), "en-GB");
        assert_eq!(call_language("en-GB", Some(Lang::Fr)), "fr-FR");
        assert_eq!(call_language("de-DE", Some(Lang::Fr)), "fr-FR");
        assert_eq!(call_language("de-DE", None), "de-DE");
    }

    #[test]
    fn the_greeting_is_the_configured_one_only_in_the_business_s_language() {
        let custom = "Salut {customer_name} !";
        assert_eq!(greeting_template(custom, "fr-FR", "fr-FR"), custom);
        assert_eq!(
            greeting_template(custom, "fr-FR", "en-US"),
            default_greeting(Lang::En)
        );
        // Left at the (French) default, a business speaking English greets in English.
        let french = default_greeting(Lang::Fr);
        assert_eq!(
            greeting_template(french, "en-GB", "en-GB"),
            default_greeting(Lang::En)
        );
        assert_eq!(greeting_template(french, "fr-FR", "fr-FR"), french);
        // A language without built-in words keeps what was configured.
        assert_eq!(greeting_template(custom, "de-DE", "de-DE"), custom);
    }

    #[test]
    fn the_server_s_own_words_follow_the_call_s_language() {
        assert!(apology("fr-FR").starts_with("Désolé"));
        assert!(apology("en-US").starts_with("Sorry"));
        assert!(apology("de-DE").starts_with("Sorry"));
        assert!(machine_message("fr-CA", "Lune").contains("ici Lune"));
        assert!(machine_message("en-US", "Lune").contains("this is Lune"));
        assert_eq!(language_rule("fr-FR"), "Speak French with the caller.");
        assert!(language_rule("de-DE").contains("de-DE"));
    }
}
