//! Outbound calls end to end against the fake Twilio: the exact REST request, signed status
//! callbacks in and out of order, the live WebSocket events, the voice webhook's TwiML, the media
//! endpoint's single-use token, refusals and limits.

mod bridge;
mod cluster;
mod limits;
mod matching;
mod media;
mod processes;
mod reconcile;
mod writer;

use crate::fakes;
use crate::helpers::{spawn_app_configured, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use futures_util::StreamExt;
use serde_json::Value;
use server::twilio::signature;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub(crate) struct CallApp {
    pub(crate) app: TestApp,
    pub(crate) fake: fakes::Fake,
    cookie: String,
}

pub(crate) async fn save(app: &TestApp, key: &str, value: &str) {
    let response = app
        .call("settings/save", &[("key", key), ("value", value)])
        .await;
    assert_eq!(
        response.status(),
        200,
        "{key}: {}",
        response.text().await.unwrap_or_default()
    );
}

pub(crate) async fn call_app() -> CallApp {
    call_app_with(|_| {}).await
}

/// A server configured for calls against the fake Twilio, after `adjust` (e.g. provider URLs).
pub(crate) async fn call_app_with(adjust: impl FnOnce(&mut server::config::Config)) -> CallApp {
    let (base, fake) = fakes::twilio().await;
    let app = spawn_app_configured(true, |config| {
        config.external_urls.twilio_api_base = base;
        adjust(config);
    })
    .await;
    app.login_admin().await;
    // A second session of the admin, for the live socket.
    let (_, cookie) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (key, value) in [
        ("twilio_enabled", "true"),
        ("twilio_account_sid", fakes::ACCOUNT_SID),
        ("twilio_auth_token", fakes::AUTH_TOKEN),
        ("twilio_phone_number", fakes::OWNED_NUMBER),
    ] {
        save(&app, key, value).await;
    }
    let address = app.address.clone();
    save(&app, "public_base_url", &address).await;
    CallApp { app, fake, cookie }
}

/// Gives order `order_id` its customer's language (`"en"`, `"fr"`) in the database.
pub(crate) async fn set_customer_language(app: &TestApp, order_id: i64, code: &str) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use server::db::entities::orders;
    let order = orders::Entity::find_by_id(order_id as i32)
        .one(&app.db)
        .await;
    let mut order: orders::ActiveModel = order.unwrap().expect("the order").into();
    order.language = Set(Some(code.to_owned()));
    order.update(&app.db).await.unwrap();
}

pub(crate) async fn create_order(app: &TestApp, number: &str, phone: &str) -> i64 {
    let form = [
        ("input[number]", number),
        ("input[customer_name]", "Marie Curie"),
        ("input[customer_phone]", phone),
        ("input[delivery_address]", "1 rue Curie, Paris"),
        ("input[items]", "1 x Pizza @ 10"),
    ];
    let order: Value = app.call("orders/save", &form).await.json().await.unwrap();
    order["id"].as_i64().unwrap()
}

type Live = crate::helpers::LiveSocket;

async fn live(c: &CallApp) -> Live {
    c.app.live_socket(&c.cookie).await
}

async fn next_event(socket: &mut Live) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s");
        if let Some(Ok(Message::Text(text))) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// Posts a status callback signed the way Twilio signs it.
async fn callback(
    c: &CallApp,
    order_id: i64,
    params: &[(&str, &str)],
    signature_override: Option<&str>,
) -> u16 {
    let path = format!("/api/v1/orders/{order_id}/twilio-status");
    let url = format!("{}{path}", c.app.address);
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let signature = signature_override
        .map(str::to_owned)
        .unwrap_or_else(|| signature::sign(fakes::AUTH_TOKEN, &url, &owned));
    reqwest::Client::new()
        .post(&url)
        .header("x-twilio-signature", signature)
        .form(&owned)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn status_params<'a>(sid: &'a str, status: &'a str, sequence: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", fakes::ACCOUNT_SID),
        ("CallSid", sid),
        ("CallStatus", status),
        ("SequenceNumber", sequence),
        ("CallbackSource", "call-progress-events"),
        ("Direction", "outbound-api"),
        ("ApiVersion", "2010-04-01"),
        ("Timestamp", "Fri, 27 Nov 2026 14:00:00 +0000"),
    ]
}

async fn place(c: &CallApp, order_id: i64) -> reqwest::Response {
    place_with(c, order_id, "openai").await
}

async fn place_with(c: &CallApp, order_id: i64, provider: &str) -> reqwest::Response {
    let id = order_id.to_string();
    c.app
        .call(
            "calls/place",
            &[
                ("order_id", &id),
                ("recipient", "customer"),
                ("provider", provider),
                ("purpose", "confirm the time"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_call_is_placed_with_the_documented_request_and_follows_callbacks_live() {
    let c = call_app().await;
    let order_id = create_order(&c.app, "K-1", "06 12 34 56 78").await;
    let mut socket = live(&c).await;
    assert_eq!(next_event(&mut socket).await["type"], "snapshot");

    let response = place(&c, order_id).await;
    assert_eq!(response.status(), 200);
    let call: Value = response.json().await.unwrap();
    assert_eq!(call["status"], "queued");

    let request = c
        .fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.path.ends_with("/Calls.json"))
        .cloned()
        .unwrap();
    assert_eq!(request.username, fakes::ACCOUNT_SID);
    let base = &c.app.address;
    let call_id = &call["id"];
    let expected: Vec<(String, String)> = [
        ("To", "+33612345678".to_owned()),
        ("From", fakes::OWNED_NUMBER.to_owned()),
        (
            "Url",
            format!("{base}/api/v1/orders/{order_id}/twilio-voice?call={call_id}"),
        ),
        ("Method", "POST".to_owned()),
        (
            "StatusCallback",
            format!("{base}/api/v1/orders/{order_id}/twilio-status?call={call_id}"),
        ),
        ("StatusCallbackMethod", "POST".to_owned()),
        ("StatusCallbackEvent", "initiated".to_owned()),
        ("StatusCallbackEvent", "ringing".to_owned()),
        ("StatusCallbackEvent", "answered".to_owned()),
        ("StatusCallbackEvent", "completed".to_owned()),
        ("Timeout", "30".to_owned()),
        ("TimeLimit", "300".to_owned()),
        ("MachineDetection", "Enable".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(request.form, expected);

    // The record is created first (queued, no SID), then gets its SID.
    assert_eq!(next_event(&mut socket).await["call"]["status"], "queued");
    next_event(&mut socket).await;
    let calls: Vec<Value> = c
        .app
        .call("calls/for-order", &[("order_id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let sid = {
        use sea_orm::EntityTrait;
        let row = server::db::entities::calls::Entity::find_by_id(
            calls[0]["id"].as_i64().unwrap() as i32
        )
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
        row.call_sid.unwrap()
    };

    // Out of order and repeated: only newer sequence numbers that move forward count.
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "ringing", "1"), None).await,
        204
    );
    assert_eq!(next_event(&mut socket).await["call"]["status"], "ringing");
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "initiated", "0"), None).await,
        204
    );
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "in-progress", "2"), None).await,
        204
    );
    assert_eq!(
        next_event(&mut socket).await["call"]["status"],
        "in-progress"
    );
    let mut completed = status_params(&sid, "completed", "3");
    completed.push(("CallDuration", "42"));
    completed.push(("Duration", "1"));
    completed.push(("AnsweredBy", "human"));
    assert_eq!(callback(&c, order_id, &completed, None).await, 204);
    let event = next_event(&mut socket).await;
    assert_eq!(event["call"]["status"], "completed");
    assert_eq!(event["call"]["duration_seconds"], 42);
    assert_eq!(event["call"]["answered_by"], "human");
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "in-progress", "2"), None).await,
        204,
        "a repeat is a no-op"
    );
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "ringing", "4"), None).await,
        204,
        "never leaves a final status"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), socket.next())
            .await
            .is_err(),
        "ignored callbacks publish nothing"
    );

    let calls: Vec<Value> = c
        .app
        .call("calls/for-order", &[("order_id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(calls[0]["status"], "completed");
    assert_eq!(calls[0]["duration_seconds"], 42);
    assert!(
        last_contact(&c, order_id).await.is_string(),
        "an answered call is a contact"
    );
}

/// The order's `last_contact_at` (JSON null when nobody was reached).
async fn last_contact(c: &CallApp, order_id: i64) -> Value {
    let order: Value = c
        .app
        .call("orders/get", &[("id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    order["last_contact_at"].clone()
}

#[tokio::test]
async fn forged_unsigned_unknown_and_malformed_callbacks_are_refused() {
    let c = call_app().await;
    let order_id = create_order(&c.app, "K-2", "06 12 34 56 78").await;
    assert_eq!(place(&c, order_id).await.status(), 200);
    let sid = format!("CA{:032x}", 1);
    assert_eq!(
        callback(
            &c,
            order_id,
            &status_params(&sid, "ringing", "1"),
            Some("bm90IHRoZSBzaWduYXR1cmU=")
        )
        .await,
        403
    );
    let unsigned = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/orders/{order_id}/twilio-status",
            c.app.address
        ))
        .form(&status_params(&sid, "ringing", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    let calls: Vec<Value> = c
        .app
        .call("calls/for-order", &[("order_id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        calls[0]["status"], "queued",
        "a forged callback changes nothing"
    );

    assert_eq!(
        callback(
            &c,
            order_id,
            &status_params("CA00000000000000000000000000000999", "ringing", "1"),
            None
        )
        .await,
        404
    );
    assert_eq!(
        callback(
            &c,
            order_id + 1000,
            &status_params(&sid, "ringing", "1"),
            None
        )
        .await,
        404,
        "the call must belong to the order"
    );
    assert_eq!(
        callback(
            &c,
            order_id,
            &[("CallSid", sid.as_str()), ("SequenceNumber", "1")],
            None
        )
        .await,
        400
    );
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "answered", "1"), None).await,
        400,
        "unknown status"
    );
}

#[tokio::test]
async fn a_refused_number_fails_the_call_with_twilio_s_code_in_plain_words() {
    let c = call_app().await;
    let order_id = create_order(&c.app, "K-4", "06 12 34 56 99").await;
    let response = place(&c, order_id).await;
    assert_eq!(response.status(), 502);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("not a valid phone number") && body.contains("21211"),
        "{body}"
    );
    let calls: Vec<Value> = c
        .app
        .call("calls/for-order", &[("order_id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(calls[0]["status"], "failed");
    assert!(calls[0]["failure_reason"]
        .as_str()
        .unwrap()
        .contains("21211"));
    assert!(
        last_contact(&c, order_id).await.is_null(),
        "a call that reached nobody is not a contact"
    );
}

#[tokio::test]
async fn hang_up_cancels_a_ringing_call_and_the_limit_refuses_extra_calls() {
    let c = call_app().await;
    save(&c.app, "max_concurrent_calls", "1").await;
    let order_id = create_order(&c.app, "K-5", "06 12 34 56 78").await;
    let call: Value = place(&c, order_id).await.json().await.unwrap();
    let second = place(&c, order_id).await;
    assert_eq!(second.status(), 409);
    assert!(second.text().await.unwrap().contains("the limit is 1"));

    let id = call["id"].to_string();
    assert_eq!(
        c.app
            .call("calls/hang-up", &[("call_id", &id)])
            .await
            .status(),
        200
    );
    let hangup = c
        .fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r.path.contains("/Calls/CA"))
        .cloned()
        .unwrap();
    assert_eq!(
        hangup.form,
        vec![("Status".to_owned(), "canceled".to_owned())]
    );
}

#[tokio::test]
async fn calls_are_refused_while_twilio_is_disabled() {
    let c = call_app().await;
    save(&c.app, "twilio_enabled", "false").await;
    let readiness: Value = c
        .app
        .call("calls/readiness", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(readiness["blocked"]
        .as_str()
        .unwrap()
        .contains("not enabled"));
    let order_id = create_order(&c.app, "K-6", "06 12 34 56 78").await;
    assert_eq!(place(&c, order_id).await.status(), 409);
    assert!(c
        .fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .all(|r| !r.path.ends_with("/Calls.json")));
}

#[tokio::test]
async fn the_live_socket_needs_a_session_and_the_same_origin() {
    let c = call_app().await;
    let url = format!("{}/api/v1/live", c.app.address.replace("http", "ws"));

    let anonymous = tokio_tungstenite::connect_async(url.as_str()).await;
    assert!(
        matches!(anonymous, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 401),
        "{anonymous:?}"
    );

    let mut cross_site = url.as_str().into_client_request().unwrap();
    cross_site
        .headers_mut()
        .insert("cookie", c.cookie.parse().unwrap());
    cross_site
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(cross_site).await;
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 403),
        "{refused:?}"
    );
}
