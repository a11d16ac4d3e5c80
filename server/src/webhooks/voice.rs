//! `POST /api/v1/orders/{order_id}/twilio-voice?call={call_id}`: answers TwiML. A person gets a
//! bidirectional Media Stream to our media endpoint, with the call id and the call's token as
//! `<Parameter>`s (Twilio drops query strings on Stream URLs; see `calls::media_token`: a replayed
//! webhook answers the same token, never a new one); an answering machine gets the configured
//! behaviour; a call that is already over is hung up.

use super::verify::{ws_base_url, VerifiedTwilio};
use super::{order_row, CallQuery};
use crate::calls::public_base_url;
use crate::db::entities::orders;
use crate::db::repo;
use crate::http::AppState;
use crate::providers::language;
use crate::settings::EffectiveSettings;
use crate::twilio::twiml;
use app::api::{CallStatus, SettingKey};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// Whether Twilio's `AnsweredBy` names a machine.
fn is_machine(answered_by: &str) -> bool {
    answered_by.starts_with("machine") || answered_by == "fax"
}

/// The Stream URL for a public base URL: https gives wss, http (local tests) gives ws.
pub fn stream_url(base: &str, order_id: i32) -> String {
    format!(
        "{}/api/v1/orders/{order_id}/twilio-media",
        ws_base_url(base)
    )
}

/// The handler.
pub async fn voice(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    Query(query): Query<CallQuery>,
    form: VerifiedTwilio,
) -> Response {
    let Some(order_id) = order_row(&order_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(call_sid) = form.get("CallSid") else {
        return (StatusCode::BAD_REQUEST, "CallSid is missing").into_response();
    };
    let found = repo::calls::find_for_callback(&state.db, order_id, query.call, Some(call_sid));
    let call = match found.await {
        Ok(Some(call)) => call,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "voice webhook: database error");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if call.status.parse().is_ok_and(CallStatus::is_final) {
        return xml(twiml::hang_up());
    }
    let settings = state.settings.current();
    if let Some(answered_by) = form.get("AnsweredBy").filter(|a| is_machine(a)) {
        let call = repo::calls::set_answered_by(&state.db, call, answered_by).await;
        if let Ok(call) = call {
            state.hub.publish(call.into());
        }
        return xml(machine_twiml(&state, &settings, order_id).await);
    }
    connect(&state, &settings, call.id, order_id).await
}

/// What an answering machine hears, per the configured behaviour; a message is said in the
/// language of a call about order `order_id`.
async fn machine_twiml(state: &AppState, settings: &EffectiveSettings, order_id: i32) -> String {
    match settings.get(SettingKey::AgentMachineBehaviour) {
        "leave_message" => {
            let order = repo::orders::find(&state.db, order_id).await.ok().flatten();
            let customer = order.as_ref().and_then(orders::Model::customer_lang);
            let lang = language::call_language(settings.get(SettingKey::AgentLanguage), customer);
            let business = settings.get(SettingKey::BusinessName);
            twiml::say_and_hang_up(&language::machine_message(&lang, business), &lang)
        }
        _ => twiml::hang_up(),
    }
}

/// `<Connect><Stream>` with the call's token: issued now, or the one issued before (a replay).
async fn connect(
    state: &AppState,
    settings: &EffectiveSettings,
    call_id: i32,
    order_id: i32,
) -> Response {
    let issued_at = match repo::calls::issue_media_token(&state.db, call_id, Utc::now()).await {
        Ok(Some(issued_at)) => issued_at,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "voice webhook: cannot issue the media token");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let token = state.media_tokens.token(call_id, issued_at);
    let base = public_base_url(settings, &state.public_fallback.0);
    let call_id_text = call_id.to_string();
    xml(twiml::connect_stream(
        &stream_url(&base, order_id),
        &[("callId", &call_id_text), ("token", &token)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_scheme_follows_the_public_url() {
        assert_eq!(
            stream_url("https://d.example", 7),
            "wss://d.example/api/v1/orders/7/twilio-media"
        );
        assert_eq!(
            stream_url("http://127.0.0.1:3000", 7),
            "ws://127.0.0.1:3000/api/v1/orders/7/twilio-media"
        );
    }

    #[test]
    fn machines_and_faxes_are_not_people() {
        assert!(is_machine("machine_start"));
        assert!(is_machine("machine_end_beep"));
        assert!(is_machine("fax"));
        assert!(!is_machine("human"));
        assert!(!is_machine("unknown"));
    }
}
