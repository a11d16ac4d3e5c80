//! What the demo agent says, in English and French: the answer for each topic built from the
//! `get_order_details` result, the note it leaves on the order, the goodbye, and the caller's
//! transcript line. Pure text; the facts inside come from the tool as the server wrote them.

use serde_json::Value;

/// The language of the lines and of the voice, read from the script's BCP 47 tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (any tag that is not French).
    En,
    /// French (`fr`, `fr-FR`, `fr-CA`...).
    Fr,
}

impl Lang {
    /// The language of a BCP 47 tag; anything but French speaks English.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// The espeak-ng voice for this language.
    pub fn espeak_voice(self) -> &'static str {
        match self {
            Lang::En => "en-us",
            Lang::Fr => "fr",
        }
    }
}

/// What the agent tells the caller next, in order; each answered turn moves to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Turn 1: when the delivery is planned.
    Window,
    /// Turn 2: what is in the order.
    Items,
    /// Turn 3: who delivers it.
    Driver,
    /// After turn 3: the goodbye, then `end_call`.
    Goodbye,
}

impl Topic {
    /// The topic after this one (the goodbye stays last).
    pub fn next(self) -> Topic {
        match self {
            Topic::Window => Topic::Items,
            Topic::Items => Topic::Driver,
            Topic::Driver | Topic::Goodbye => Topic::Goodbye,
        }
    }
}

/// A text member of the tool result, `None` when absent, null or blank.
fn fact<'a>(details: &'a Value, key: &str) -> Option<&'a str> {
    details
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// The answer about `topic` from a `get_order_details` result (or its `{"error": ..}`).
pub fn answer(lang: Lang, topic: Topic, details: &Value) -> String {
    if details.get("error").is_some() {
        return match lang {
            Lang::En => "Sorry, I cannot read your order just now; our staff will call you back.",
            Lang::Fr => "Désolé, je ne peux pas lire votre commande pour l'instant ; notre équipe vous rappellera.",
        }
        .to_owned();
    }
    let number = fact(details, "order_number").unwrap_or_default();
    match (lang, topic) {
        (Lang::En, Topic::Window) => match fact(details, "delivery_window") {
            Some(window) => format!("Your order {number} is planned for delivery {window}."),
            None => format!("The delivery of your order {number} is not scheduled yet."),
        },
        (Lang::Fr, Topic::Window) => match fact(details, "delivery_window") {
            Some(window) => format!("Votre commande {number} sera livrée {window}."),
            None => format!("La livraison de votre commande {number} n'est pas encore planifiée."),
        },
        (Lang::En, Topic::Items) => match fact(details, "items") {
            Some(items) => format!("In your order you have {items}."),
            None => "Your order has no items yet.".to_owned(),
        },
        (Lang::Fr, Topic::Items) => match fact(details, "items") {
            Some(items) => format!("Votre commande contient : {items}."),
            None => "Votre commande ne contient encore aucun article.".to_owned(),
        },
        (Lang::En, Topic::Driver) => match fact(details, "driver_name") {
            Some(driver) => format!("Your driver will be {driver}."),
            None => "No driver is assigned yet; we will let you know.".to_owned(),
        },
        (Lang::Fr, Topic::Driver) => match fact(details, "driver_name") {
            Some(driver) => format!("Votre livreur sera {driver}."),
            None => "Aucun livreur n'est encore désigné ; nous vous préviendrons.".to_owned(),
        },
        (_, Topic::Goodbye) => goodbye(lang).to_owned(),
    }
}

/// The goodbye said before `end_call`.
pub fn goodbye(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Thank you, that is all from me. Have a good day, goodbye!",
        Lang::Fr => "Merci, c'est tout pour moi. Bonne journée, au revoir !",
    }
}

/// The note added to the order once `topic` has been told (staff read it on the order).
pub fn note(lang: Lang, topic: Topic) -> &'static str {
    match (lang, topic) {
        (Lang::En, Topic::Window) => "Demo agent: told the customer the delivery window",
        (Lang::En, Topic::Items) => "Demo agent: read the order's items to the customer",
        (Lang::En, Topic::Driver | Topic::Goodbye) => "Demo agent: told the customer the driver",
        (Lang::Fr, Topic::Window) => "Agent démo : créneau de livraison annoncé au client",
        (Lang::Fr, Topic::Items) => "Agent démo : articles de la commande lus au client",
        (Lang::Fr, Topic::Driver | Topic::Goodbye) => "Agent démo : livreur annoncé au client",
    }
}

/// Why the demo agent ends the call (the `end_call` reason).
pub fn end_reason(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Demo agent: three questions answered",
        Lang::Fr => "Agent démo : trois questions traitées",
    }
}

/// The caller's transcript line: the demo hears speech, not words ("caller: 2.1 s of speech").
pub fn caller_turn(lang: Lang, speech_ms: u32) -> String {
    let tenths = (speech_ms + 50) / 100;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    match lang {
        Lang::En => format!("caller: {whole}.{tenth} s of speech"),
        Lang::Fr => format!("appelant : {whole},{tenth} s de parole"),
    }
}

/// The caller's transcript while they speak (the line above replaces it at the end).
pub fn caller_speaking(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "caller: speaking…",
        Lang::Fr => "appelant : parle…",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn details() -> Value {
        json!({"order_number": "A-1042", "items": "2 baguettes, 1 croissant",
               "delivery_window": "between 14:00 and 16:00 on 3 March", "driver_name": "Paul"})
    }

    #[test]
    fn french_tags_speak_french_and_everything_else_english() {
        assert_eq!(Lang::from_tag("fr-FR"), Lang::Fr);
        assert_eq!(Lang::from_tag("FR"), Lang::Fr);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("fry"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
        assert_eq!(Lang::Fr.espeak_voice(), "fr");
    }

    #[test]
    fn each_answer_carries_the_fact_of_its_topic() {
        let d = details();
        assert_eq!(
            answer(Lang::En, Topic::Window, &d),
            "Your order A-1042 is planned for delivery between 14:00 and 16:00 on 3 March."
        );
        assert!(answer(Lang::Fr, Topic::Items, &d).contains("2 baguettes, 1 croissant"));
        assert_eq!(
            answer(Lang::Fr, Topic::Driver, &d),
            "Votre livreur sera Paul."
        );
        let no_driver = json!({"driver_name": null});
        assert!(answer(Lang::En, Topic::Driver, &no_driver).starts_with("No driver"));
        let failed = json!({"error": "the order no longer exists"});
        assert!(answer(Lang::En, Topic::Items, &failed).starts_with("Sorry"));
    }

    #[test]
    fn the_caller_line_says_the_speech_length_to_a_tenth() {
        assert_eq!(caller_turn(Lang::En, 2_140), "caller: 2.1 s of speech");
        assert_eq!(caller_turn(Lang::Fr, 960), "appelant : 1,0 s de parole");
        assert_eq!(caller_turn(Lang::En, 80), "caller: 0.1 s of speech");
    }

    #[test]
    fn topics_run_window_items_driver_then_stay_on_goodbye() {
        let mut topic = Topic::Window;
        let mut seen = vec![topic];
        for _ in 0..4 {
            topic = topic.next();
            seen.push(topic);
        }
        use Topic::*;
        assert_eq!(seen, [Window, Items, Driver, Goodbye, Goodbye]);
    }
}
