//! Wire types shared by the server and the browser: every DTO and enum that crosses a server
//! function or the JSON API. They derive serde only (never database traits); the server converts its
//! entities into them next to its repositories.

mod account;
mod calls;
mod display;
mod journal;
mod orders;
mod phone;
mod sandbox;
mod server_words;
mod settings;
mod sms;

pub use account::*;
pub use calls::*;
pub use display::{DisplayPrefs, Lang};
pub use journal::*;
pub use orders::*;
pub use phone::display_phone;
pub use sandbox::*;
pub use server_words::{server_words, unknown_words};
pub use settings::*;
pub use sms::*;

/// The shortest password accepted (the forms state it before anyone fails it).
pub const PASSWORD_MIN_LENGTH: usize = 8;

/// The password rule in words, as the forms show it.
pub fn password_rule() -> String {
    format!("At least {PASSWORD_MIN_LENGTH} characters.")
}

/// "1 row", "2 rows": a count with its noun, singular or plural (`plural("row", "rows", n)`).
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// Percent-encodes a query value (unreserved characters pass through).
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
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
    /// How this business shows times and amounts; filled by `get_me` (one request per page, and
    /// no second resource for every page to wait for).
    #[serde(default)]
    pub display: DisplayPrefs,
    /// The interface language this user chose in their profile (`None`: the browser's).
    #[serde(default)]
    pub language: Option<Lang>,
}

impl SessionUser {
    /// Whether this account may open admin pages.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
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
    /// Sign-in refused by the lockout until the wait is over (answered with `Retry-After`).
    #[error("too many attempts, try again in {}", wait_text(*retry_after_seconds))]
    TooManyAttempts { retry_after_seconds: u32 },
    /// The server refused work it has no room for now (all password-hashing slots are taken);
    /// answered at once with 503 and `Retry-After` instead of queueing.
    #[error("the server is busy, try again in {}", wait_text(*retry_after_seconds))]
    Busy { retry_after_seconds: u32 },
    /// This server is shutting down (draining): it takes no new calls; another instance does.
    #[error("this server is shutting down; try again in a moment")]
    ShuttingDown,
    #[error("{}", validation_summary(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    /// An external service (Twilio) refused or failed; the text says why in plain words.
    #[error("{0}")]
    Upstream(String),
    #[error("something went wrong on the server; it has been logged")]
    Internal,
    #[error("{0}")]
    ServerFn(String),
}

/// "1 second", "40 seconds", "3 minutes" (whole minutes, rounded up, from two minutes on).
fn wait_text(seconds: u32) -> String {
    match seconds {
        1 => "1 second".into(),
        0..120 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
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
            ApiError::Busy { .. } | ApiError::ShuttingDown => 503,
            ApiError::Validation(_) => 422,
            ApiError::Conflict(_) => 409,
            ApiError::BadRequest(_) => 400,
            ApiError::Upstream(_) => 502,
            ApiError::Internal | ApiError::ServerFn(_) => 500,
        }
    }

    /// The seconds for the `Retry-After` header of a refusal that ends by itself.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            ApiError::TooManyAttempts {
                retry_after_seconds,
            }
            | ApiError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_http_statuses() {
        let locked = ApiError::TooManyAttempts {
            retry_after_seconds: 180,
        };
        assert_eq!(locked.status_code(), 429);
        assert_eq!(locked.retry_after_seconds(), Some(180));
        assert_eq!(ApiError::Forbidden.status_code(), 403);
        assert_eq!(ApiError::Forbidden.retry_after_seconds(), None);
        assert_eq!(
            locked.to_string(),
            "too many attempts, try again in 3 minutes"
        );
        let busy = ApiError::Busy {
            retry_after_seconds: 1,
        };
        assert_eq!(busy.status_code(), 503);
        assert_eq!(
            busy.to_string(),
            "the server is busy, try again in 1 second"
        );
    }

    #[test]
    fn waits_read_in_seconds_then_whole_minutes() {
        assert_eq!(wait_text(8), "8 seconds");
        assert_eq!(wait_text(119), "119 seconds");
        assert_eq!(wait_text(121), "3 minutes");
        assert_eq!(wait_text(900), "15 minutes");
    }
}
