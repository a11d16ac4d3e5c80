//! Parsing and validating one order. Every field is checked independently so a person sees all
//! their mistakes at once; a field error never hides another.

use crate::phone::parse_e164;
use app::api::{FieldError, OrderInput, OrderItem, OrderStatus};
use chrono::NaiveDateTime;

/// An order whose every field was checked; phones are E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrder {
    pub number: String,
    pub status: OrderStatus,
    pub customer_name: String,
    pub customer_phone: String,
    pub delivery_address: String,
    pub window_start: Option<NaiveDateTime>,
    pub window_end: Option<NaiveDateTime>,
    pub items: Vec<OrderItem>,
    pub notes: String,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    /// The customer's language; `None`: the business's language.
    pub language: Option<app::api::Lang>,
}

impl ValidOrder {
    /// The sum of the items.
    pub fn total_cents(&self) -> i64 {
        self.items
            .iter()
            .map(|item| item.unit_price_cents * i64::from(item.quantity))
            .sum()
    }
}

const MAX_TEXT: usize = 500;

/// Parses an [`OrderInput`] as typed; returns every field error found.
pub fn validate_input(
    input: &OrderInput,
    region: phonenumber::country::Id,
) -> Result<ValidOrder, Vec<FieldError>> {
    validate_with_items(input, parse_items(&input.items), region)
}

/// Like [`validate_input`], with the items already parsed (the JSON API sends them structured);
/// `input.items` is ignored.
pub fn validate_with_items(
    input: &OrderInput,
    items: Result<Vec<OrderItem>, String>,
    region: phonenumber::country::Id,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(FieldError::new(field, message));
        }
    };

    let number = input.number.trim().to_owned();
    check(
        "number",
        required(&number).and_then(|_| {
            if number.len() > 40 || number.chars().any(char::is_whitespace) {
                Err("must be at most 40 characters without spaces".into())
            } else {
                Ok(())
            }
        }),
    );
    let status = match input.status.trim() {
        "" => Ok(OrderStatus::Pending),
        name => name.parse::<OrderStatus>().map_err(|_| {
            let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            format!("must be one of {}", names.join(", "))
        }),
    };
    let customer_name = input.customer_name.trim().to_owned();
    check(
        "customer_name",
        required(&customer_name).and_then(|_| max_len(&customer_name, 200)),
    );
    let customer_phone = parse_phone(&input.customer_phone, region);
    let delivery_address = input.delivery_address.trim().to_owned();
    check(
        "delivery_address",
        required(&delivery_address).and_then(|_| max_len(&delivery_address, MAX_TEXT)),
    );
    let window_start = parse_datetime(&input.window_start);
    let window_end = parse_datetime(&input.window_end);
    if let (Ok(Some(start)), Ok(Some(end))) = (&window_start, &window_end) {
        if end <= start {
            check("window_end", Err("must be after the window start".into()));
        }
    }
    let notes = input.notes.trim().to_owned();
    check("notes", max_len(&notes, 2000));
    let driver_name = optional(&input.driver_name);
    if let Some(name) = &driver_name {
        check("driver_name", max_len(name, 200));
    }
    let driver_phone = match optional(&input.driver_phone) {
        None => Ok(None),
        Some(text) => parse_phone(&text, region).map(Some),
    };

    let language = match input.language.trim() {
        "" => None,
        code => match code.parse() {
            Ok(lang) => Some(lang),
            Err(message) => {
                errors.push(FieldError::new("language", message));
                None
            }
        },
    };
    let status = status.map_err(|m| errors.push(FieldError::new("status", m)));
    let customer_phone =
        customer_phone.map_err(|m| errors.push(FieldError::new("customer_phone", m)));
    let window_start = window_start.map_err(|m| errors.push(FieldError::new("window_start", m)));
    let window_end = window_end.map_err(|m| errors.push(FieldError::new("window_end", m)));
    let items = items.map_err(|m| errors.push(FieldError::new("items", m)));
    let driver_phone = driver_phone.map_err(|m| errors.push(FieldError::new("driver_phone", m)));

    match (
        status,
        customer_phone,
        window_start,
        window_end,
        items,
        driver_phone,
    ) {
        (
            Ok(status),
            Ok(customer_phone),
            Ok(window_start),
            Ok(window_end),
            Ok(items),
            Ok(driver_phone),
        ) if errors.is_empty() => Ok(ValidOrder {
            number,
            status,
            customer_name,
            customer_phone,
            delivery_address,
            window_start,
            window_end,
            items,
            notes,
            driver_name,
            driver_phone,
            language,
        }),
        _ => Err(errors),
    }
}

fn required(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("is required".into())
    } else {
        Ok(())
    }
}

fn max_len(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(())
    }
}

fn optional(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn parse_phone(value: &str, region: phonenumber::country::Id) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("is required".into());
    }
    parse_e164(value, region).map_err(|e| format!("{:?} {e}", value.trim()))
}

/// `2026-11-27T18:00`, `2026-11-27 18:00` or with seconds; empty means none.
fn parse_datetime(value: &str) -> Result<Option<NaiveDateTime>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
    .map(Some)
    .ok_or_else(|| format!("{value:?} is not a date and time like 2026-11-27 18:00"))
}

/// Checks items that arrived structured (quantity and price bounds, a name).
pub fn check_items(items: Vec<OrderItem>) -> Result<Vec<OrderItem>, String> {
    if items.is_empty() {
        return Err("add at least one item".into());
    }
    for (index, item) in items.iter().enumerate() {
        let n = index + 1;
        if item.name.trim().is_empty() {
            return Err(format!("item {n}: has no name"));
        }
        if !(1..=10_000).contains(&item.quantity) {
            return Err(format!("item {n}: quantity must be between 1 and 10000"));
        }
        if !(0..=100_000_000).contains(&item.unit_price_cents) {
            return Err(format!(
                "item {n}: unit_price_cents must be between 0 and 100000000"
            ));
        }
    }
    Ok(items)
}

/// Parses items written one per line or `;`-separated: `2 x Margherita @ 12.50`
/// (also `2x Margherita @12,50`). The quantity defaults to 1 when omitted.
pub fn parse_items(text: &str) -> Result<Vec<OrderItem>, String> {
    let mut items = Vec::new();
    for (index, raw) in text
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .enumerate()
    {
        items.push(parse_item(raw).map_err(|m| format!("item {}: {m}", index + 1))?);
    }
    if items.is_empty() {
        return Err("add at least one item, e.g. 2 x Margherita @ 12.50".into());
    }
    Ok(items)
}

fn parse_item(line: &str) -> Result<OrderItem, String> {
    let (left, price) = line
        .rsplit_once('@')
        .ok_or_else(|| format!("{line:?} has no price; write it as 2 x Margherita @ 12.50"))?;
    let unit_price_cents = parse_money(price.trim())
        .ok_or_else(|| format!("{:?} is not a price like 12.50", price.trim()))?;
    let left = left.trim();
    let (quantity, name) = match left.split_once(['x', 'X', '×']) {
        Some((qty, name))
            if !qty.trim().is_empty() && qty.trim().chars().all(|c| c.is_ascii_digit()) =>
        {
            let quantity = qty
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|q| (1..=10_000).contains(q))
                .ok_or_else(|| format!("quantity {:?} must be between 1 and 10000", qty.trim()))?;
            (quantity, name.trim())
        }
        _ => (1, left),
    };
    if name.is_empty() {
        return Err("has no name".into());
    }
    Ok(OrderItem {
        name: name.to_owned(),
        quantity,
        unit_price_cents,
    })
}

/// `12.50`, `12,5`, `12` into cents; negative or over a million refused.
fn parse_money(text: &str) -> Option<i64> {
    let text = text
        .trim()
        .trim_start_matches(['€', '$', '£'])
        .trim()
        .replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let cents = whole.checked_mul(100)?.checked_add(fraction)?;
    (cents <= 100_000_000).then_some(cents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::country::Id::FR;

    fn input() -> OrderInput {
        OrderInput {
            number: "A-1001".into(),
            status: "confirmed".into(),
            customer_name: " Marie Curie ".into(),
            customer_phone: "06 12 34 56 78".into(),
            delivery_address: "1 rue Pierre et Marie Curie, 75005 Paris".into(),
            window_start: "2026-11-27T18:00".into(),
            window_end: "2026-11-27 18:30".into(),
            items: "2 x Margherita @ 12.50\n1 x Cola @ 2".into(),
            notes: String::new(),
            driver_name: String::new(),
            driver_phone: String::new(),
            language: String::new(),
        }
    }

    #[test]
    fn a_typical_order_is_parsed_with_e164_phone_and_total() {
        let order = validate_input(&input(), FR).unwrap();
        assert_eq!(order.customer_phone, "+33612345678");
        assert_eq!(order.customer_name, "Marie Curie");
        assert_eq!(order.status, OrderStatus::Confirmed);
        assert_eq!(order.total_cents(), 2700);
        assert_eq!(order.driver_phone, None);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut bad = input();
        bad.customer_phone = "12".into();
        bad.items = "Pizza".into();
        bad.window_end = "2026-11-27T17:00".into();
        bad.status = "lost".into();
        bad.driver_phone = "abc".into();
        let errors = validate_input(&bad, FR).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "customer_phone",
            "items",
            "window_end",
            "status",
            "driver_phone",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
    }

    #[test]
    fn every_refusal_of_the_order_form_is_said_in_french_too() {
        let mut bad = input();
        bad.number = "A 1 ".repeat(20);
        bad.customer_name = " ".into();
        bad.customer_phone = "12".into();
        bad.window_start = "soon".into();
        bad.window_end = "2026-11-27T17:00".into();
        bad.status = "lost".into();
        bad.driver_phone = "abc".into();
        bad.driver_name = "x".repeat(201);
        bad.language = "de".into();
        let mut messages: Vec<String> = validate_input(&bad, FR)
            .unwrap_err()
            .into_iter()
            .map(|e| e.message)
            .collect();
        bad.window_start = "2026-11-27T18:00".into();
        messages.extend(
            validate_input(&bad, FR)
                .unwrap_err()
                .into_iter()
                .map(|e| e.message),
        );
        for items in [
            "Pizza",
            "2 x @ 3",
            "0 x Pizza @ 3",
            "x Pizza @ 3",
            "Pizza @ 1.234",
            "",
        ] {
            messages.extend(parse_items(items).err());
        }
        assert!(messages.len() >= 14, "{messages:?}");
        let unknown = app::api::unknown_words(messages);
        assert!(
            unknown.is_empty(),
            "not in app/locales/*/common.json: {unknown:#?}"
        );
    }

    #[test]
    fn items_accept_common_spellings() {
        let items = parse_items("2x Pizza @12,5; Tiramisu @ 4.90").unwrap();
        assert_eq!(
            items[0],
            OrderItem {
                name: "Pizza".into(),
                quantity: 2,
                unit_price_cents: 1250
            }
        );
        assert_eq!(
            items[1],
            OrderItem {
                name: "Tiramisu".into(),
                quantity: 1,
                unit_price_cents: 490
            }
        );
        assert!(parse_items("2 x Pizza @ 1.234").is_err());
        assert!(parse_items("").is_err());
    }

    #[test]
    fn money_is_parsed_exactly() {
        assert_eq!(parse_money("12.50"), Some(1250));
        assert_eq!(parse_money("€3"), Some(300));
        assert_eq!(parse_money("0.05"), Some(5));
        assert_eq!(parse_money("-1"), None);
        assert_eq!(parse_money("1e3"), None);
    }
}
