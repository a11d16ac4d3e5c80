//! `POST /api/v1/twilio/sms-inbound`: a text someone sent to our number (signed). It is stored
//! on the most recent order of that number (customer or driver) and shown live; an opt-out
//! keyword (STOP, ...) puts the number on the suppression list and an opt-in (START, ...) takes
//! it off. Answers an empty TwiML `<Response/>` (no automatic reply: Twilio's own STOP handling
//! already answers those keywords on long codes).

use super::verify::VerifiedTwilio;
use crate::db::entities::{orders, sms_replies};
use crate::db::repo::sms as repo;
use crate::http::AppState;
use app::sms::{keyword, Keyword};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

pub async fn sms_inbound(State(state): State<AppState>, form: VerifiedTwilio) -> Response {
    let (Some(sid), Some(from)) = (
        form.get("MessageSid").or_else(|| form.get("SmsSid")),
        form.get("From"),
    ) else {
        return (StatusCode::BAD_REQUEST, "MessageSid and From are required").into_response();
    };
    let body = form.get("Body").unwrap_or_default();
    let db = &state.sms.db;
    let order = orders::Entity::find()
        .filter(
            Condition::any()
                .add(orders::Column::CustomerPhone.eq(from))
                .add(orders::Column::DriverPhone.eq(from)),
        )
        .order_by_desc(orders::Column::CreatedAt)
        .order_by_desc(orders::Column::Id)
        .one(db)
        .await;
    let order_id = match order {
        Ok(order) => order.map(|o| o.id),
        Err(error) => {
            tracing::error!(%error, "inbound SMS: cannot look the order up");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let word = keyword(body);
    let changed = match word {
        Some(Keyword::OptOut) => repo::suppress(db, from, "replied STOP").await,
        Some(Keyword::OptIn) => repo::unsuppress(db, from).await,
        None => Ok(()),
    };
    if let Err(error) = changed {
        tracing::error!(%error, "inbound SMS: cannot update the suppression list");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let reply = sms_replies::ActiveModel {
        order_id: Set(order_id),
        from_number: Set(from.to_owned()),
        to_number: Set(form.get("To").unwrap_or_default().to_owned()),
        body: Set(body.to_owned()),
        sid: Set(sid.to_owned()),
        keyword: Set(word.map(|w| match w {
            Keyword::OptOut => "opt_out".to_owned(),
            Keyword::OptIn => "opt_in".to_owned(),
        })),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match repo::insert_reply(db, reply).await {
        Ok(Some(row)) => state.sms.hub.publish_reply(row.into()),
        Ok(None) => tracing::debug!(sid, "inbound SMS already stored (webhook retried)"),
        Err(error) => {
            tracing::error!(%error, "inbound SMS: cannot store");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    ([(header::CONTENT_TYPE, "text/xml")], EMPTY_TWIML).into_response()
}
