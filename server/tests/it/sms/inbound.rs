//! Replies: signed inbound webhook, attached to the most recent order of the number, STOP and
//! START keywords (any case, spaces around), an empty TwiML answer, forged requests refused.

use super::{send, sms_app};
use crate::calls::{create_order, CallApp};
use crate::fakes;
use serde_json::Value;

/// Posts a signed inbound SMS; the HTTP status and body.
async fn inbound(app: &CallApp, sid: &str, from: &str, body: &str) -> (u16, String) {
    let url = format!("{}/api/v1/twilio/sms-inbound", app.app.address);
    let params: Vec<(String, String)> = [
        ("AccountSid", fakes::ACCOUNT_SID),
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("From", from),
        ("To", fakes::OWNED_NUMBER),
        ("Body", body),
        ("NumMedia", "0"),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = server::twilio::signature::sign(fakes::AUTH_TOKEN, &url, &params);
    let response = reqwest::Client::new()
        .post(&url)
        .header("x-twilio-signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn replies(app: &CallApp, order: i64) -> Vec<Value> {
    let id = order.to_string();
    let data: Value = app
        .app
        .call("sms/for-order", &[("order_id", &id)])
        .await
        .json()
        .await
        .unwrap();
    data["replies"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_reply_lands_on_the_most_recent_order_of_its_number() {
    let app = sms_app().await;
    let older = create_order(&app.app, "IN-1", "+33612345678").await;
    let newer = create_order(&app.app, "IN-2", "+33612345678").await;
    let (status, body) = inbound(
        &app,
        "SM0000000000000000000000000000aa01",
        "+33612345678",
        "Je serai là à 18h",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<Response/>"), "{body}");
    let on_newer = replies(&app, newer).await;
    assert_eq!(on_newer.len(), 1);
    assert_eq!(on_newer[0]["body"], "Je serai là à 18h");
    assert!(replies(&app, older).await.is_empty());
    // Twilio retrying the same webhook stores nothing twice.
    inbound(
        &app,
        "SM0000000000000000000000000000aa01",
        "+33612345678",
        "Je serai là à 18h",
    )
    .await;
    assert_eq!(replies(&app, newer).await.len(), 1);
}

#[tokio::test]
async fn stop_suppresses_the_number_and_start_lifts_it() {
    let app = sms_app().await;
    let order = create_order(&app.app, "IN-3", "+33612345678").await;
    let (status, _) = inbound(
        &app,
        "SM0000000000000000000000000000bb01",
        "+33612345678",
        "  stop \n",
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = send(&app, order, "Hello").await;
    assert_eq!(status, 422);
    assert!(answer.to_string().contains("opted out"), "{answer}");
    assert_eq!(replies(&app, order).await[0]["keyword"], "opted out");
    inbound(
        &app,
        "SM0000000000000000000000000000bb02",
        "+33612345678",
        "Start",
    )
    .await;
    let (status, answer) = send(&app, order, "Hello").await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_forged_inbound_request_is_refused_and_stores_nothing() {
    let app = sms_app().await;
    let order = create_order(&app.app, "IN-4", "+33612345678").await;
    let url = format!("{}/api/v1/twilio/sms-inbound", app.app.address);
    let response = reqwest::Client::new()
        .post(&url)
        .header("x-twilio-signature", "Zm9yZ2Vk")
        .form(&[
            ("MessageSid", "SM01"),
            ("From", "+33612345678"),
            ("Body", "STOP"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(replies(&app, order).await.is_empty());
    let (status, _) = send(&app, order, "Hello").await;
    assert_eq!(status, 200, "not suppressed by a forged STOP");
}
