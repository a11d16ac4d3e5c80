//! An order's values for the placeholders of a text, written in the template's language: the
//! delivery window as `28/11 14:00–16:00`, the total as `31,40 €` (French) or `€31.40` (English).

use crate::db::entities::orders;
use app::sms::TemplateValues;
use chrono::NaiveDateTime;

/// The values of `order` for a template in `language` ("fr" or "en").
pub fn template_values(
    order: &orders::Model,
    business_name: &str,
    language: &str,
) -> TemplateValues {
    let french = language == "fr";
    TemplateValues {
        customer_name: order.customer_name.clone(),
        order_number: order.number.clone(),
        delivery_window: window(order.window_start, order.window_end, french),
        driver_name: order.driver_name.clone().unwrap_or_default(),
        driver_phone: order.driver_phone.clone().unwrap_or_default(),
        business_name: business_name.to_owned(),
        total: money(order.total_cents, french),
    }
}

fn window(start: Option<NaiveDateTime>, end: Option<NaiveDateTime>, french: bool) -> String {
    let day = |t: NaiveDateTime| t.format("%d/%m").to_string();
    let time = |t: NaiveDateTime| t.format("%H:%M").to_string();
    match (start, end) {
        (Some(s), Some(e)) if s.date() == e.date() => {
            format!("{} {}–{}", day(s), time(s), time(e))
        }
        (Some(s), Some(e)) => format!("{} {} – {} {}", day(s), time(s), day(e), time(e)),
        (Some(s), None) if french => format!("à partir du {} {}", day(s), time(s)),
        (Some(s), None) => format!("from {} {}", day(s), time(s)),
        (None, Some(e)) if french => format!("avant le {} {}", day(e), time(e)),
        (None, Some(e)) => format!("before {} {}", day(e), time(e)),
        (None, None) if french => "dès que possible".to_owned(),
        (None, None) => "as soon as possible".to_owned(),
    }
}

/// Cents of euros, as a customer reads them in that language.
pub fn money(cents: i64, french: bool) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, rest) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    if french {
        format!("{sign}{units},{rest:02} €")
    } else {
        format!("{sign}€{units}.{rest:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(2026, 11, day).and_then(|d| d.and_hms_opt(hour, 0, 0))
    }

    #[test]
    fn windows_and_amounts_follow_the_language() {
        assert_eq!(window(at(28, 14), at(28, 16), true), "28/11 14:00–16:00");
        assert_eq!(
            window(at(28, 22), at(29, 1), false),
            "28/11 22:00 – 29/11 01:00"
        );
        assert_eq!(window(None, None, true), "dès que possible");
        assert_eq!(window(at(28, 9), None, false), "from 28/11 09:00");
        assert_eq!(money(3140, true), "31,40 €");
        assert_eq!(money(3140, false), "€31.40");
        assert_eq!(money(5, true), "0,05 €");
    }
}
