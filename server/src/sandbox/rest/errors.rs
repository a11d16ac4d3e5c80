//! Twilio's error answers: `{"code":20003,"message":"Authenticate","more_info":
//! "https://www.twilio.com/docs/errors/20003","status":401}` with the matching HTTP status (and
//! `WWW-Authenticate` on a 401), as protocols.md 1.5 describes.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error the emulated API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Twilio's error code, e.g. 21211.
    pub code: u32,
    pub message: String,
}

impl ApiError {
    /// 401, code 20003: wrong or missing credentials.
    pub fn authenticate() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: 20003,
            message: "Authenticate".to_owned(),
        }
    }

    /// 404, code 20404, naming the path asked for.
    pub fn not_found(path: &str) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: 20404,
            message: format!("The requested resource {path} was not found"),
        }
    }

    /// 405, code 20004.
    pub fn method_not_allowed() -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: 20004,
            message: "Method not allowed".to_owned(),
        }
    }

    /// 400 with `code` and `message`: a request Twilio would refuse.
    pub fn invalid(code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        }));
        if self.status == StatusCode::UNAUTHORIZED {
            (
                self.status,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"Twilio API\"")],
                body,
            )
                .into_response()
        } else {
            (self.status, body).into_response()
        }
    }
}
