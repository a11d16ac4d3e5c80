//! The facts of one order, formatted for speech, that the agent's templates and its
//! `get_order_details` tool read: "between 14:00 and 16:00 on 28 November", "2 baguettes,
//! 1 croissant". Formatting is pure ([`facts_of`]); [`order_facts`] only loads the row.

use crate::db::entities::orders;
use crate::db::repo;
use crate::providers::script::OrderFacts;
use crate::settings::EffectiveSettings;
use app::api::{OrderItem, SettingKey};
use chrono::NaiveDateTime;
use sea_orm::{DatabaseConnection, DbErr};

/// What the agent says when no window is set.
pub const NO_WINDOW: &str = "not scheduled yet";
/// What the agent says for an order without a driver: reads naturally in "{driver_name} will
/// bring it", where an empty name or "none" would not.
pub const NO_DRIVER: &str = "our driver";

/// The facts of order `order_id`, or `None` when there is no such order.
pub async fn order_facts(
    db: &DatabaseConnection,
    settings: &EffectiveSettings,
    order_id: i32,
) -> Result<Option<OrderFacts>, DbErr> {
    let order = repo::orders::find(db, order_id).await?;
    Ok(order.map(|order| facts_of(&order, settings.get(SettingKey::BusinessName))))
}

/// The facts of a loaded order row.
pub fn facts_of(order: &orders::Model, business_name: &str) -> OrderFacts {
    let items: Vec<OrderItem> = serde_json::from_value(order.items.clone()).unwrap_or_else(|e| {
        tracing::error!(order_id = order.id, error = %e, "order items are not valid JSON");
        Vec::new()
    });
    OrderFacts {
        customer_name: order.customer_name.clone(),
        order_number: order.number.clone(),
        delivery_window: spoken_window(order.window_start, order.window_end),
        items: spoken_items(&items),
        address: spoken_address(&order.delivery_address),
        driver_name: order
            .driver_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| NO_DRIVER.to_owned()),
        business_name: business_name.to_owned(),
    }
}

/// `14:00 on 28 November`.
fn at(time: NaiveDateTime) -> String {
    format!("{} on {}", time.format("%H:%M"), time.format("%-d %B"))
}

/// A delivery window as a sentence part: "between 14:00 and 16:00 on 28 November".
pub fn spoken_window(start: Option<NaiveDateTime>, end: Option<NaiveDateTime>) -> String {
    match (start, end) {
        (Some(start), Some(end)) if start.date() == end.date() => format!(
            "between {} and {} on {}",
            start.format("%H:%M"),
            end.format("%H:%M"),
            start.format("%-d %B")
        ),
        (Some(start), Some(end)) => format!("between {} and {}", at(start), at(end)),
        (Some(start), None) => format!("from {}", at(start)),
        (None, Some(end)) => format!("before {}", at(end)),
        (None, None) => NO_WINDOW.to_owned(),
    }
}

/// The items as said aloud: "2 baguettes, 1 croissant" (names as the shop wrote them).
pub fn spoken_items(items: &[OrderItem]) -> String {
    if items.is_empty() {
        return "no items".to_owned();
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
            spoken_window(Some(time(28, 14)), Some(time(28, 16))),
            "between 14:00 and 16:00 on 28 November"
        );
    }

    #[test]
    fn open_or_overnight_windows_and_no_window_read_as_sentences() {
        assert_eq!(
            spoken_window(Some(time(28, 22)), Some(time(29, 9))),
            "between 22:00 on 28 November and 09:00 on 29 November"
        );
        assert_eq!(
            spoken_window(Some(time(1, 8)), None),
            "from 08:00 on 1 November"
        );
        assert_eq!(
            spoken_window(None, Some(time(3, 12))),
            "before 12:00 on 3 November"
        );
        assert_eq!(spoken_window(None, None), "not scheduled yet");
    }

    #[test]
    fn items_are_listed_with_their_quantities() {
        assert_eq!(
            spoken_items(&[item(2, "baguettes"), item(1, " croissant ")]),
            "2 baguettes, 1 croissant"
        );
        assert_eq!(spoken_items(&[]), "no items");
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
        let facts = facts_of(&order, "Boulangerie Lune");
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
    }
}
