//! The JSON error answer of the HTTP API: a stable `{code, message, field_errors}` body with the
//! status of the [`ApiError`]. Causes were already logged where they happened.

use app::api::{ApiError, FieldError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Wraps an [`ApiError`] for axum handlers.
#[derive(Debug)]
pub struct JsonError(pub ApiError);

impl From<ApiError> for JsonError {
    fn from(error: ApiError) -> Self {
        JsonError(error)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    field_errors: &'a [FieldError],
}

/// A stable machine-readable name for each error.
pub fn code_of(error: &ApiError) -> &'static str {
    match error {
        ApiError::Unauthorized => "unauthorized",
        ApiError::Forbidden => "forbidden",
        ApiError::NotFound => "not_found",
        ApiError::InvalidCredentials => "invalid_credentials",
        ApiError::TooManyAttempts { .. } => "too_many_attempts",
        ApiError::Busy { .. } => "busy",
        ApiError::ShuttingDown => "shutting_down",
        ApiError::Validation(_) => "validation",
        ApiError::Conflict(_) => "conflict",
        ApiError::BadRequest(_) => "bad_request",
        ApiError::Upstream(_) => "upstream",
        ApiError::Internal | ApiError::ServerFn(_) => "internal",
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Body {
            code: code_of(&self.0),
            message: self.0.to_string(),
            field_errors: self.0.field_errors(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.0.retry_after_seconds() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_answer_is_503_with_retry_after() {
        let response = JsonError(ApiError::Busy {
            retry_after_seconds: 2,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
