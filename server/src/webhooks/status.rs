//! `POST /api/v1/orders/{order_id}/twilio-status?call={call_id}`: records each call status Twilio
//! reports (matched by our call id, so a callback arriving before the SID is stored still counts),
//! through the status writer, which applies the ordering rule of `calls::status` (late or
//! repeated callbacks change nothing) and publishes the change. Answers 204.

use super::verify::VerifiedTwilio;
use super::{order_row, CallQuery};
use crate::calls::writer::{Outcome, StatusUpdate};
use crate::db::repo;
use crate::http::AppState;
use app::api::CallStatus;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// A status callback's fields, parsed at the edge.
struct Callback<'a> {
    call_sid: &'a str,
    status: CallStatus,
    sequence: i32,
    at: DateTime<Utc>,
    details: repo::calls::StatusDetails,
}

fn parse(form: &VerifiedTwilio) -> Result<Callback<'_>, String> {
    let call_sid = form.get("CallSid").ok_or("CallSid is missing")?;
    let status_text = form.get("CallStatus").ok_or("CallStatus is missing")?;
    let status: CallStatus = status_text
        .parse()
        .map_err(|_| format!("unknown CallStatus {status_text:?}"))?;
    let sequence: i32 = form
        .get("SequenceNumber")
        .ok_or("SequenceNumber is missing")?
        .parse()
        .map_err(|_| "SequenceNumber is not a number")?;
    let at = form
        .get("Timestamp")
        .and_then(|t| DateTime::parse_from_rfc2822(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let error = form.get("ErrorCode").map(|code| {
        let message = form.get("ErrorMessage").unwrap_or("call error");
        format!("Twilio error {code}: {message}")
    });
    let failure_reason = match status {
        CallStatus::Failed => error.or_else(|| {
            form.get("SipResponseCode")
                .map(|code| format!("SIP response {code}"))
        }),
        _ => error,
    };
    Ok(Callback {
        call_sid,
        status,
        sequence,
        at,
        details: repo::calls::StatusDetails {
            duration_seconds: form.get("CallDuration").and_then(|d| d.parse().ok()),
            answered_by: form.get("AnsweredBy").map(str::to_owned),
            sip_response_code: form.get("SipResponseCode").and_then(|c| c.parse().ok()),
            failure_reason,
        },
    })
}

/// The handler.
pub async fn status(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    Query(query): Query<CallQuery>,
    form: VerifiedTwilio,
) -> Response {
    let Some(order_id) = order_row(&order_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let callback = match parse(&form) {
        Ok(callback) => callback,
        Err(message) => {
            tracing::warn!(%message, "malformed status callback");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let update = StatusUpdate {
        order_id,
        call_id: query.call,
        call_sid: Some(callback.call_sid.to_owned()),
        status: callback.status,
        sequence: Some(callback.sequence),
        at: callback.at,
        details: callback.details,
    };
    match state.status_writer.apply(update).await {
        Ok(Outcome::Applied) => StatusCode::NO_CONTENT.into_response(),
        Ok(Outcome::Ignored(decision)) => {
            tracing::debug!(?decision, "status callback ignored");
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(Outcome::UnknownCall) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "status callback: cannot record");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
