//! Wire types shared by the server and the browser: every DTO and enum that crosses a server
//! function or the JSON API. They derive serde only (never database traits); the server converts its
//! entities into them next to its repositories.

mod calls;
mod settings;

pub use calls::*;
pub use settings::*;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a signed-in account may do: admins do everything, staff work on orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
}

impl Role {
    /// The stable name stored in the database and sent over the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// A string that names no known variant of an enum parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// The account behind the current session, as the pages need it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl SessionUser {
    /// Whether this account may open admin pages.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

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

    /// The words shown to people.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::Preparing => "Preparing",
            OrderStatus::OutForDelivery => "Out for delivery",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
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
}

/// A refusal of one field, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Finds the message for `field` in a list of field errors.
pub fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.clone())
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

/// A row of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// An API token as listed (the secret itself is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenSummary {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, so people can tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A freshly created API token: the only time its secret leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub summary: ApiTokenSummary,
    pub token: String,
}

/// The body of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub instance_id: String,
}

/// Formats minor units as money, e.g. `1250` as `12.50`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// Formats a delivery window compactly: `27 Nov 18:00–18:30`.
pub fn format_window(start: Option<NaiveDateTime>, end: Option<NaiveDateTime>) -> String {
    match (start, end) {
        (Some(start), Some(end)) if start.date() == end.date() => {
            format!("{}–{}", start.format("%d %b %H:%M"), end.format("%H:%M"))
        }
        (Some(start), Some(end)) => format!(
            "{} – {}",
            start.format("%d %b %H:%M"),
            end.format("%d %b %H:%M")
        ),
        (Some(start), None) => format!("from {}", start.format("%d %b %H:%M")),
        (None, Some(end)) => format!("until {}", end.format("%d %b %H:%M")),
        (None, None) => String::new(),
    }
}

/// Errors of server functions and the JSON API: stable variants the pages can match on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("please sign in")]
    Unauthorized,
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many attempts, try again in {retry_after_minutes} minutes")]
    TooManyAttempts { retry_after_minutes: u32 },
    #[error("{}", validation_summary(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("request refused: {0}")]
    BadRequest(String),
    /// An external service (Twilio) refused or failed; the text says why in plain words.
    #[error("{0}")]
    Upstream(String),
    #[error("something went wrong on the server; it has been logged")]
    Internal,
    #[error("{0}")]
    ServerFn(String),
}

fn validation_summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ApiError {
    /// The field errors of a validation refusal, or none.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ApiError::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            ApiError::Unauthorized | ApiError::InvalidCredentials => 401,
            ApiError::Forbidden => 403,
            ApiError::NotFound => 404,
            ApiError::TooManyAttempts { .. } => 429,
            ApiError::Validation(_) => 422,
            ApiError::Conflict(_) => 409,
            ApiError::BadRequest(_) => 400,
            ApiError::Upstream(_) => 502,
            ApiError::Internal | ApiError::ServerFn(_) => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr;
        match value {
            // Arguments that do not parse (an unknown setting key, a bad number) are the caller's fault.
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                ApiError::BadRequest(message)
            }
            other => ApiError::ServerFn(other.to_string()),
        }
    }
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

    #[test]
    fn api_errors_map_to_http_statuses() {
        assert_eq!(
            ApiError::TooManyAttempts {
                retry_after_minutes: 3
            }
            .status_code(),
            429
        );
        assert_eq!(ApiError::Forbidden.status_code(), 403);
        assert_eq!(
            ApiError::TooManyAttempts {
                retry_after_minutes: 3
            }
            .to_string(),
            "too many attempts, try again in 3 minutes"
        );
    }
}
