//! Wire types of orders: status, items, the table page, the detail, what people type, CSV import
//! reports, and the formatting helpers the pages share.

use super::{FieldError, UnknownValue};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an order is in its life. Stored and sent as snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Preparing,
    OutForDelivery,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order of an order's life.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Preparing,
        OrderStatus::OutForDelivery,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    /// The stable name stored in the database, used in URLs and CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Preparing => "preparing",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// The words shown to people, in English (as the server writes them).
    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    /// The words shown to people, in `locale` ([`OrderStatus::label`] is the English one the
    /// server writes).
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            OrderStatus::Pending => td_string!(locale, orders.status.pending),
            OrderStatus::Confirmed => td_string!(locale, orders.status.confirmed),
            OrderStatus::Preparing => td_string!(locale, orders.status.preparing),
            OrderStatus::OutForDelivery => td_string!(locale, orders.status.out_for_delivery),
            OrderStatus::Delivered => td_string!(locale, orders.status.delivered),
            OrderStatus::Cancelled => td_string!(locale, orders.status.cancelled),
        }
    }
}

impl FromStr for OrderStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub name: String,
    pub quantity: u32,
    /// Minor currency units, so totals never suffer float rounding.
    pub unit_price_cents: i64,
}

/// A row of the orders table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: i64,
    pub number: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub status: OrderStatus,
    pub window_start: Option<NaiveDateTime>,
    pub window_end: Option<NaiveDateTime>,
    pub total_cents: i64,
    pub last_contact_at: Option<DateTime<Utc>>,
    /// A demo order (numbers reserved for fiction).
    pub demo: bool,
}

/// One page of the orders table plus what the pager needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    /// Orders matching the search across all pages.
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

impl OrderPage {
    /// How many pages the search has (at least one, so "page 1 of 1" reads right when empty).
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// Everything about one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    pub customer_name: String,
    pub customer_phone: String,
    pub delivery_address: String,
    pub window_start: Option<NaiveDateTime>,
    pub window_end: Option<NaiveDateTime>,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    pub notes: String,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub last_contact_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Made by "Load demo data": its numbers are reserved for fiction, calling it asks first.
    pub demo: bool,
    /// When the customer confirmed the delivery window on a call.
    pub window_confirmed_at: Option<DateTime<Utc>>,
    /// Another window the customer asked for on a call, in their words, and when.
    pub window_request: Option<String>,
    pub window_request_at: Option<DateTime<Utc>>,
    /// The customer's language when known; `None`: the business's language.
    #[serde(default)]
    pub language: Option<super::Lang>,
}

/// An order as people type it (form, CSV row or JSON API): raw text that the server parses and
/// validates field by field. Field names are the names reported in [`FieldError::field`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInput {
    pub number: String,
    #[serde(default)]
    pub status: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub delivery_address: String,
    /// `YYYY-MM-DDTHH:MM` (as an `<input type="datetime-local">` sends it) or with a space.
    #[serde(default)]
    pub window_start: String,
    #[serde(default)]
    pub window_end: String,
    /// One item per line or `;`-separated: `2 x Margherita @ 12.50`.
    #[serde(default)]
    pub items: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub driver_name: String,
    #[serde(default)]
    pub driver_phone: String,
    /// The customer's language, `en` or `fr`; empty: the business's language.
    #[serde(default)]
    pub language: String,
}

/// One CSV row as the import preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub number: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub total_cents: i64,
    pub errors: Vec<FieldError>,
}

/// What an import would do (preview) or did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: Vec<ImportRow>,
    /// Orders written; zero for a preview.
    pub imported: u64,
}

impl ImportReport {
    /// Rows without errors.
    pub fn valid_count(&self) -> usize {
        self.rows.iter().filter(|row| row.errors.is_empty()).count()
    }
}

/// Formats minor units as money, e.g. `1250` as `12.50`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_status_names_round_trip_through_from_str() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
        }
        assert!("in-progress".parse::<OrderStatus>().is_err());
    }

    #[test]
    fn order_status_serializes_as_its_stored_name() {
        let json = serde_json::to_string(&OrderStatus::OutForDelivery).unwrap();
        assert_eq!(json, "\"out_for_delivery\"");
    }

    #[test]
    fn cents_are_formatted_with_two_decimals() {
        assert_eq!(format_cents(1250), "12.50");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-199), "-1.99");
    }

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        let page = |total| OrderPage {
            orders: vec![],
            total,
            page: 1,
            per_page: 50,
        };
        assert_eq!(page(0).page_count(), 1);
        assert_eq!(page(50).page_count(), 1);
        assert_eq!(page(51).page_count(), 2);
    }
}
