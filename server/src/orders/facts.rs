//! The facts of one order, formatted for speech in the call's language, that the agent's
//! templates and its `get_order_details` tool read: "between 14:00 and 16:00 on 28 November",
//! "entre 14:00 et 16:00 le 28 novembre", "2 baguettes, 1 croissant". Formatting is pure
//! ([`facts_of`]).

use crate::db::entities::orders;
use crate::providers::script::OrderFacts;
use app::api::{Lang, OrderItem};
use chrono::{Datelike, NaiveDateTime};

/// What the agent says when no window is set.
pub fn no_window(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "not scheduled yet",
        Lang::Fr => "pas encore planifiée",
    }
}

/// What the agent says for an order without a driver: reads naturally in "{driver_name} will
/// bring it", where an empty name or "none" would not.
pub fn no_driver(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "our driver",
        Lang::Fr => "notre livreur",
    }
}

/// The facts of a loaded order row, said in `lang`.
pub fn facts_of(order: &orders::Model, business_name: &str, lang: Lang) -> OrderFacts {
    let items: Vec<OrderItem> = serde_json::from_value(order.items.clone()).unwrap_or_else(|e| {
        tracing::error!(order_id = order.id, error = %e, "order items are not valid JSON");
        Vec::new()
    });
    OrderFacts {
        customer_name: order.customer_name.clone(),
        order_number: order.number.clone(),
        delivery_window: spoken_window(order.window_start, order.window_end, lang),
        items: spoken_items(&items, lang),
        address: spoken_address(&order.delivery_address),
        driver_name: order
            .driver_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| no_driver(lang).to_owned()),
        business_name: business_name.to_owned(),
    }
}

/// The day as said aloud: `28 November`, `28 novembre`, `1er novembre`.
fn day(time: NaiveDateTime, lang: Lang) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    match lang {
        Lang::En => time.format("%-d %B").to_string(),
        Lang::Fr => {
            let month = FR[time.month0() as usize];
            match time.day() {
                1 => format!("1er {month}"),
                d => format!("{d} {month}"),
            }
        }
    }
}

/// `14:00 on 28 November`, `14:00 le 28 novembre`.
fn at(time: NaiveDateTime, lang: Lang) -> String {
    let (clock, day) = (time.format("%H:%M"), day(time, lang));
    match lang {
        Lang::En => format!("{clock} on {day}"),
        Lang::Fr => format!("{clock} le {day}"),
    }
}

/// A delivery window as a sentence part: "between 14:00 and 16:00 on 28 November".
pub fn spoken_window(
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
    lang: Lang,
) -> String {
    let fr = lang == Lang::Fr;
    match (start, end) {
        (Some(start), Some(end)) if start.date() == end.date() => {
            let (from, to, on) = (start.format("%H:%M"), end.format("%H:%M"), day(start, lang));
            if fr {
                format!("entre {from} et {to} le {on}")
            } else {
                format!("between {from} and {to} on {on}")
            }
        }
        (Some(start), Some(end)) if fr => {
            format!("entre {} et {}", at(start, lang), at(end, lang))
        }
        (Some(start), Some(end)) => format!("between {} and {}", at(start, lang), at(end, lang)),
        (Some(start), None) if fr => format!("à partir de {}", at(start, lang)),
        (Some(start), None) => format!("from {}", at(start, lang)),
        (None, Some(end)) if fr => format!("avant {}", at(end, lang)),
        (None, Some(end)) => format!("before {}", at(end, lang)),
        (None, None) => no_window(lang).to_owned(),
    }
}

/// The items as said aloud: "2 baguettes, 1 croissant" (names as the shop wrote them).
pub fn spoken_items(items: &[OrderItem], lang: Lang) -> String {
    if items.is_empty() {
        return match lang {
            Lang::En => "no items",
            Lang::Fr => "aucun article",
        }
        .to_owned();
    }
    items
        .iter()
        .map(|item| format!("{} {}", item.quantity, item.name.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The address on one line: line breaks become commas.
pub fn spoken_address(address: &str) -> String {
    address
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn time(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap()
    }

    fn item(quantity: u32, name: &str) -> OrderItem {
        OrderItem {
            name: name.into(),
            quantity,
            unit_price_cents: 100,
        }
    }

    #[test]
    fn a_window_within_one_day_is_said_with_its_date_once() {
        assert_eq!(
            spoken_window(Some(time(28, 14)), Some(time(28, 16)), Lang::En),
            "between 14:00 and 16:00 on 28 November"
        );
        assert_eq!(
            spoken_window(Some(time(28, 14)), Some(time(28, 16)), Lang::Fr),
            "entre 14:00 et 16:00 le 28 novembre"
        );
    }

    #[test]
    fn open_or_overnight_windows_and_no_window_read_as_sentences() {
        assert_eq!(
            spoken_window(Some(time(28, 22)), Some(time(29, 9)), Lang::En),
            "between 22:00 on 28 November and 09:00 on 29 November"
        );
        assert_eq!(
            spoken_window(Some(time(1, 8)), None, Lang::En),
            "from 08:00 on 1 November"
        );
        assert_eq!(
            spoken_window(None, Some(time(3, 12)), Lang::En),
            "before 12:00 on 3 November"
        );
        assert_eq!(spoken_window(None, None, Lang::En), "not scheduled yet");
        assert_eq!(
            spoken_window(Some(time(28, 22)), Some(time(29, 9)), Lang::Fr),
            "entre 22:00 le 28 novembre et 09:00 le 29 novembre"
        );
        assert_eq!(
            spoken_window(Some(time(1, 8)), None, Lang::Fr),
            "à partir de 08:00 le 1er novembre"
        );
        assert_eq!(
            spoken_window(None, Some(time(3, 12)), Lang::Fr),
            "avant 12:00 le 3 novembre"
        );
        assert_eq!(spoken_window(None, None, Lang::Fr), "pas encore planifiée");
    }

    #[test]
    fn items_are_listed_with_their_quantities() {
        assert_eq!(
            spoken_items(&[item(2, "baguettes"), item(1, " croissant ")], Lang::En),
            "2 baguettes, 1 croissant"
        );
        assert_eq!(spoken_items(&[], Lang::En), "no items");
        assert_eq!(spoken_items(&[], Lang::Fr), "aucun article");
    }

    #[test]
    fn an_address_on_several_lines_is_said_on_one() {
        assert_eq!(
            spoken_address("1 rue de Rivoli\n\n 75001 Paris \r\n"),
            "1 rue de Rivoli, 75001 Paris"
        );
    }

    #[test]
    fn every_field_is_filled_from_the_row_and_the_business_name() {
        let order = orders::Model {
            id: 7,
            number: "A-1042".into(),
            status: "confirmed".into(),
            customer_name: "Marie Curie".into(),
            customer_phone: "+33612345678".into(),
            delivery_address: "1 rue de Rivoli\nParis".into(),
            window_start: Some(time(28, 14)),
            window_end: Some(time(28, 16)),
            items: serde_json::to_value(vec![item(2, "baguettes")]).unwrap(),
            total_cents: 200,
            notes: String::new(),
            driver_name: None,
            driver_phone: None,
            last_contact_at: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            search_text: String::new(),
            demo: false,
            window_confirmed_at: None,
            window_request: None,
            window_request_at: None,
            language: None,
        };
        let facts = facts_of(&order, "Boulangerie Lune", Lang::En);
        assert_eq!(
            facts,
            OrderFacts {
                customer_name: "Marie Curie".into(),
                order_number: "A-1042".into(),
                delivery_window: "between 14:00 and 16:00 on 28 November".into(),
                items: "2 baguettes".into(),
                address: "1 rue de Rivoli, Paris".into(),
                driver_name: "our driver".into(),
                business_name: "Boulangerie Lune".into(),
            }
        );
        let french = facts_of(&order, "Boulangerie Lune", Lang::Fr);
        assert_eq!(
            french.delivery_window,
            "entre 14:00 et 16:00 le 28 novembre"
        );
        assert_eq!(french.driver_name, "notre livreur");
    }
}
