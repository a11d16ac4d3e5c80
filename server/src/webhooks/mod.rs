//! Twilio to us: the voice webhook (TwiML that connects a Media Stream), the call status
//! callback, and the Media Streams WebSocket endpoint. Every HTTP webhook goes through the
//! [`verify::VerifiedTwilio`] extractor and the WebSocket upgrade through
//! [`verify::VerifiedUpgrade`] (403 on a missing or wrong signature). No session auth here.

mod media;

pub use media::{PendingStreams, MAX_MESSAGE, MAX_UNAUTHENTICATED};
mod sms_inbound;
mod sms_status;
mod status;
pub mod verify;
mod voice;

use crate::http::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{order_id}/twilio-voice", post(voice::voice))
        .route(
            "/api/v1/orders/{order_id}/twilio-status",
            post(status::status),
        )
        .route("/api/v1/orders/{order_id}/twilio-media", get(media::media))
        .route(
            "/api/v1/orders/{order_id}/twilio-sms-status",
            post(sms_status::sms_status),
        )
        .route("/api/v1/twilio/sms-inbound", post(sms_inbound::sms_inbound))
}

/// Reads a numeric order id from the path; anything else names no order (404).
fn order_row(order_id: &str) -> Option<i32> {
    order_id.parse().ok()
}

/// The query of the voice and status webhook URLs: `?call={id}`, our call id, so that a request
/// arriving before the Call SID is stored still finds its call. Absent on URLs given to Twilio
/// before it existed (those match by SID).
#[derive(Debug, serde::Deserialize)]
pub struct CallQuery {
    pub call: Option<i32>,
}
