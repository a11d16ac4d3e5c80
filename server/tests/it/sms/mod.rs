//! Texts end to end against the fake Twilio: the exact Messages request, the outbox's answers to
//! Twilio's errors (21211, 21610, 429 with Retry-After, 500, a lost answer), signed status
//! callbacks in and out of order, inbound replies and opt-out, bulk sends. On SQLite, and on
//! PostgreSQL when ORDERLINE_TEST_PG_URL is set.

mod bulk;
mod cluster;
mod errors;
mod inbound;
mod restart;

use crate::calls::{call_app_with, create_order, CallApp};
use crate::fakes;
use serde_json::Value;
use std::time::Duration;

/// A server configured for texts against the fake Twilio, the outbox unpaced and quick to
/// resolve (lease 1 s, read every 50 ms).
pub(crate) async fn sms_app() -> CallApp {
    call_app_with(|config| {
        config.sms_outbox.rate_per_second = 0.0;
        config.sms_outbox.lease = Duration::from_secs(1);
        config.sms_outbox.poll = Duration::from_millis(50);
    })
    .await
}

/// Queues a text to an order's customer through the server function; the JSON answer.
pub(crate) async fn send(app: &CallApp, order_id: i64, body: &str) -> (u16, Value) {
    let id = order_id.to_string();
    let response = app
        .app
        .call(
            "sms/send",
            &[
                ("order_id", &id),
                ("recipients", "customer"),
                ("body", body),
            ],
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits (up to 10 s) until `check` holds for the order's stored texts; those texts.
pub(crate) async fn texts_until(
    app: &CallApp,
    order_id: i64,
    what: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let id = order_id.to_string();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let data: Value = app
            .app
            .call("sms/for-order", &[("order_id", &id)])
            .await
            .json()
            .await
            .unwrap_or(Value::Null);
        let messages = data["messages"].as_array().cloned().unwrap_or_default();
        if check(&messages) {
            return messages;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; texts: {messages:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Posts a signed SMS status callback for `sid` to the order's status URL; the HTTP status.
pub(crate) async fn status_callback(
    app: &CallApp,
    order_id: i64,
    sid: &str,
    status: &str,
    error_code: Option<&str>,
) -> u16 {
    let url = format!(
        "{}/api/v1/orders/{order_id}/twilio-sms-status",
        app.app.address
    );
    let mut params: Vec<(String, String)> = [
        ("AccountSid", fakes::ACCOUNT_SID),
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("MessageStatus", status),
        ("SmsStatus", status),
        ("From", fakes::OWNED_NUMBER),
        ("To", "+33612345678"),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(code) = error_code {
        params.push(("ErrorCode".into(), code.into()));
    }
    fakes::send_status_callback(&url, &params).await
}

#[tokio::test]
async fn a_text_is_posted_with_exactly_the_documented_fields() {
    let app = sms_app().await;
    let order = create_order(&app.app, "SMS-1", "+33612345678").await;
    let (status, queued) = send(&app, order, "Bonjour, votre commande arrive.").await;
    assert_eq!(status, 200, "{queued}");
    // Written to the outbox first (the worker, woken at once, may already be posting it).
    assert!(
        ["pending", "posting"].contains(&queued[0]["status"].as_str().unwrap_or_default()),
        "{queued}"
    );
    let texts = texts_until(&app, order, "the SID", |t| t[0]["status"] == "queued").await;
    assert_eq!(texts.len(), 1);
    let posts = app.fake.sms.posts();
    assert_eq!(posts.len(), 1, "posted once");
    let names: Vec<&str> = posts[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["To", "From", "Body", "StatusCallback"]);
    let field = |name: &str| {
        posts[0]
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("To").as_deref(), Some("+33612345678"));
    assert_eq!(field("From").as_deref(), Some(fakes::OWNED_NUMBER));
    assert_eq!(
        field("Body").as_deref(),
        Some("Bonjour, votre commande arrive.")
    );
    assert_eq!(
        field("StatusCallback"),
        Some(format!(
            "{}/api/v1/orders/{order}/twilio-sms-status",
            app.app.address
        ))
    );
}

#[tokio::test]
async fn the_messaging_service_replaces_from_when_set() {
    let app = sms_app().await;
    let service = format!("MG{}", "0123456789abcdef".repeat(2));
    crate::calls::save(&app.app, "twilio_messaging_service_sid", &service).await;
    let order = create_order(&app.app, "SMS-2", "+33612345678").await;
    send(&app, order, "Hello").await;
    texts_until(&app, order, "the SID", |t| t[0]["status"] == "queued").await;
    let posts = app.fake.sms.posts();
    let names: Vec<&str> = posts[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["To", "MessagingServiceSid", "Body", "StatusCallback"]
    );
    assert_eq!(posts[0][1].1, service);
}

#[tokio::test]
async fn status_callbacks_out_of_order_never_move_a_text_back() {
    let app = sms_app().await;
    let order = create_order(&app.app, "SMS-3", "+33612345678").await;
    send(&app, order, "Hello").await;
    texts_until(&app, order, "the SID", |t| t[0]["status"] == "queued").await;
    let sid = app.fake.sms.created()[0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    for (status, expected) in [
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("sent", "delivered"),
        ("undelivered", "delivered"),
        ("read", "read"),
        ("delivered", "read"),
    ] {
        assert_eq!(status_callback(&app, order, &sid, status, None).await, 204);
        let texts = texts_until(&app, order, expected, |t| t[0]["status"] == expected).await;
        assert_eq!(texts[0]["status"], expected, "after {status}");
    }
}

#[tokio::test]
async fn a_failure_callback_names_the_error_in_plain_words() {
    let app = sms_app().await;
    let order = create_order(&app.app, "SMS-4", "+33612345678").await;
    send(&app, order, "Hello").await;
    texts_until(&app, order, "the SID", |t| t[0]["status"] == "queued").await;
    let sid = app.fake.sms.created()[0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        status_callback(&app, order, &sid, "undelivered", Some("30003")).await,
        204
    );
    let texts = texts_until(&app, order, "undelivered", |t| {
        t[0]["status"] == "undelivered"
    })
    .await;
    let error = texts[0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(
        error.contains("30003") && error.contains("unreachable"),
        "{error}"
    );
    // A late `delivered` does not hide the failure.
    assert_eq!(
        status_callback(&app, order, &sid, "delivered", None).await,
        204
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let texts = texts_until(&app, order, "still undelivered", |_| true).await;
    assert_eq!(texts[0]["status"], "undelivered");
}

#[tokio::test]
async fn forged_or_unknown_status_callbacks_are_refused() {
    let app = sms_app().await;
    let order = create_order(&app.app, "SMS-5", "+33612345678").await;
    send(&app, order, "Hello").await;
    texts_until(&app, order, "the SID", |t| t[0]["status"] == "queued").await;
    let sid = app.fake.sms.created()[0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!(
        "{}/api/v1/orders/{order}/twilio-sms-status",
        app.app.address
    );
    let forged = reqwest::Client::new()
        .post(&url)
        .header("x-twilio-signature", "bm90IGEgc2lnbmF0dXJl")
        .form(&[("MessageSid", sid.as_str()), ("MessageStatus", "delivered")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        status_callback(
            &app,
            order,
            "SM00000000000000000000000000000099",
            "sent",
            None
        )
        .await,
        404
    );
    assert_eq!(
        status_callback(&app, order, &sid, "exploded", None).await,
        400
    );
    let texts = texts_until(&app, order, "unchanged", |_| true).await;
    assert_eq!(texts[0]["status"], "queued");
}
