//! `POST /api/v1/orders/{order_id}/twilio-sms-status`: the delivery status of a text (signed
//! like every webhook). Callbacks carry no sequence number and arrive out of order, so each is
//! merged by `app::sms::merge`: a message never leaves a final state, and a late `sent` does not
//! hide `delivered` or `failed`. 21610 (opted out) also suppresses the number. A callback that
//! overtakes Twilio's answer to our request (its SID not stored yet) is matched to the order's
//! text to that number being posted. Answers 204.

use super::order_row;
use super::verify::VerifiedTwilio;
use crate::db::repo::sms as repo;
use crate::http::AppState;
use app::sms::MessageStatus;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn sms_status(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    form: VerifiedTwilio,
) -> Response {
    let Some(order_id) = order_row(&order_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(sid) = form.get("MessageSid").or_else(|| form.get("SmsSid")) else {
        return (StatusCode::BAD_REQUEST, "MessageSid is missing").into_response();
    };
    let status_text = form
        .get("MessageStatus")
        .or_else(|| form.get("SmsStatus"))
        .unwrap_or_default();
    let Some(status) = MessageStatus::parse(status_text) else {
        tracing::warn!(
            status = status_text,
            "SMS status callback with an unknown status"
        );
        return (
            StatusCode::BAD_REQUEST,
            format!("unknown MessageStatus {status_text:?}"),
        )
            .into_response();
    };
    let error_code: Option<i32> = form.get("ErrorCode").and_then(|c| c.trim().parse().ok());
    let db = &state.sms.db;
    let found = match repo::find_by_sid(db, sid).await {
        Ok(None) => {
            let to = form.get("To").unwrap_or_default();
            repo::claim_sid_for_posting(db, order_id, to, sid).await
        }
        other => other,
    };
    let message = match found {
        Ok(Some(message)) if message.order_id == order_id => message,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "SMS status callback: cannot read the message");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if error_code == Some(21610) {
        if let Err(error) =
            repo::suppress(db, &message.to_number, "Twilio error 21610: opted out").await
        {
            tracing::error!(%error, "cannot suppress an opted-out number");
        }
    }
    match repo::apply_status(db, &message, status, error_code).await {
        Ok(Some(changed)) => {
            state.sms.hub.publish_sms(changed.into());
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(None) => {
            tracing::debug!(
                sid,
                status = status.as_str(),
                "SMS status callback changes nothing"
            );
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => {
            tracing::error!(%error, "SMS status callback: cannot record");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
