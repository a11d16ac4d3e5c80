//! A text's life: `sent` then `delivered` (or `undelivered` with the failure numbers' codes),
//! each a signed status callback received by a local webhook; replies posted, signed, to the
//! inbound webhook; STOP remembered; and the phone events.

use super::{spawn_emulator, spawn_receiver, SANDBOX_NUMBER};
use server::sandbox::callbacks::SignedPoster;
use server::sandbox::store::{MessageStatus, PhoneDirection, PhoneEvent};
use std::time::Duration;

async fn send(emulator: &super::Emulator, to: &str, callback: &str) -> String {
    let response = emulator
        .post(
            "/Messages.json",
            &[
                ("To", to),
                ("From", SANDBOX_NUMBER),
                ("Body", "Votre livreur arrive"),
                ("StatusCallback", callback),
            ],
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    body["sid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_message_reports_sent_then_delivered_with_signed_callbacks() {
    let emulator = spawn_emulator().await;
    let mut webhook = spawn_receiver().await;
    let callback = format!(
        "{}/api/v1/orders/7/twilio-sms-status?attempt=1",
        webhook.base
    );
    let mut events = emulator.store.subscribe();
    let sid = send(&emulator, "+33612345678", &callback).await;

    let sent = webhook.next().await;
    assert_eq!(sent.url, callback, "posted to the exact StatusCallback");
    assert!(
        sent.signed_by(&emulator.token),
        "signature checks over the exact URL"
    );
    assert!(!sent.signed_by("0123456789abcdef0123456789abcdef"));
    assert_eq!(sent.headers["user-agent"], "TwilioProxy/1.1");
    assert_eq!(
        sent.headers["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert!(sent.headers.contains_key("i-twilio-idempotency-token"));
    assert_eq!(sent.field("MessageSid"), Some(sid.as_str()));
    assert_eq!(sent.field("SmsSid"), Some(sid.as_str()));
    assert_eq!(sent.field("MessageStatus"), Some("sent"));
    assert_eq!(sent.field("SmsStatus"), Some("sent"));
    assert_eq!(
        sent.field("AccountSid"),
        Some(emulator.account_sid.as_str())
    );
    assert_eq!(sent.field("From"), Some(SANDBOX_NUMBER));
    assert_eq!(sent.field("To"), Some("+33612345678"));
    assert_eq!(sent.field("ApiVersion"), Some("2010-04-01"));
    assert_eq!(sent.field("ErrorCode"), None);

    let delivered = webhook.next().await;
    assert!(delivered.signed_by(&emulator.token));
    assert_eq!(delivered.field("MessageStatus"), Some("delivered"));
    let fetched = emulator.store.message(&sid).unwrap();
    assert_eq!(fetched.status, MessageStatus::Delivered);
    assert!(fetched.date_sent.is_some());

    let mut arrived = None;
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
        if let PhoneEvent::MessageToPhone { number, message } = event {
            arrived = Some((number, message));
            break;
        }
    }
    let (number, message) = arrived.expect("the text reached the phone");
    assert_eq!(number, "+33612345678");
    assert_eq!(message.sid, sid);
    assert_eq!(emulator.store.inbox("+33612345678").len(), 1);
}

#[tokio::test]
async fn failure_numbers_end_undelivered_with_their_error_codes() {
    let emulator = spawn_emulator().await;
    let mut webhook = spawn_receiver().await;
    for (to, code) in [("+33612340000", "30003"), ("+33612341111", "30006")] {
        let callback = format!("{}/status", webhook.base);
        let sid = send(&emulator, to, &callback).await;
        assert_eq!(webhook.next().await.field("MessageStatus"), Some("sent"));
        let last = webhook.next().await;
        assert!(last.signed_by(&emulator.token));
        assert_eq!(last.field("MessageSid"), Some(sid.as_str()));
        assert_eq!(last.field("MessageStatus"), Some("undelivered"));
        assert_eq!(last.field("ErrorCode"), Some(code));
        let stored = emulator.store.message(&sid).unwrap();
        assert_eq!(stored.to_json()["error_code"], code.parse::<u64>().unwrap());
        assert!(
            emulator.store.inbox(to).is_empty(),
            "never reached the phone"
        );
    }
}

#[tokio::test]
async fn a_get_callback_is_signed_over_the_full_url() {
    let emulator = spawn_emulator().await;
    let mut webhook = spawn_receiver().await;
    let poster = SignedPoster::new(reqwest::Client::new(), emulator.token.clone().into());
    let params = vec![
        ("CallSid".to_owned(), "CA1".to_owned()),
        ("CallStatus".to_owned(), "in-progress".to_owned()),
    ];
    let answer = poster
        .get(&format!("{}/status?order=7", webhook.base), &params)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("<Response/>"));
    let got = webhook.next().await;
    assert_eq!(got.method, axum::http::Method::GET);
    assert_eq!(
        got.url,
        format!(
            "{}/status?order=7&CallSid=CA1&CallStatus=in-progress",
            webhook.base
        )
    );
    assert!(got.signed_by(&emulator.token));
}

#[tokio::test]
async fn a_silent_webhook_times_out_without_panicking() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts connections and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let poster = SignedPoster::new(reqwest::Client::new(), "t".to_owned().into())
        .with_timeout(Duration::from_millis(200));
    let result = poster
        .post(&format!("http://127.0.0.1:{port}/voice"), &[])
        .await;
    assert!(
        matches!(
            result,
            Err(server::sandbox::callbacks::CallbackError::Timeout(_))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_reply_is_posted_signed_to_the_inbound_webhook_and_stop_blocks_later_texts() {
    let emulator = spawn_emulator().await;
    let mut webhook = spawn_receiver().await;
    let mut events = emulator.store.subscribe();
    let phone = "+33612345678";
    let view = emulator
        .messages
        .reply(&format!("{}/", webhook.base), phone, SANDBOX_NUMBER, "STOP")
        .await
        .unwrap();
    assert_eq!(view.direction, PhoneDirection::FromPhone);

    let inbound = webhook.next().await;
    assert_eq!(
        inbound.url,
        format!("{}/api/v1/twilio/sms-inbound", webhook.base)
    );
    assert!(inbound.signed_by(&emulator.token));
    assert_eq!(inbound.field("From"), Some(phone));
    assert_eq!(inbound.field("To"), Some(SANDBOX_NUMBER));
    assert_eq!(inbound.field("Body"), Some("STOP"));
    assert_eq!(inbound.field("MessageSid"), Some(view.sid.as_str()));
    assert_eq!(inbound.field("SmsMessageSid"), Some(view.sid.as_str()));
    assert_eq!(inbound.field("NumMedia"), Some("0"));
    assert_eq!(inbound.field("NumSegments"), Some("1"));
    assert_eq!(
        inbound.field("AccountSid"),
        Some(emulator.account_sid.as_str())
    );

    match events.recv().await.unwrap() {
        PhoneEvent::MessageFromPhone { number, message } => {
            assert_eq!((number.as_str(), message.body.as_str()), (phone, "STOP"))
        }
        other => panic!("unexpected event {other:?}"),
    }
    let stored = emulator.store.message(&view.sid).unwrap();
    assert_eq!(stored.to_json()["direction"], "inbound");
    assert_eq!(stored.to_json()["status"], "received");

    let refused = emulator
        .post(
            "/Messages.json",
            &[("To", phone), ("From", SANDBOX_NUMBER), ("Body", "hi")],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], 21610);

    emulator
        .messages
        .reply(&webhook.base, phone, SANDBOX_NUMBER, "START")
        .await
        .unwrap();
    webhook.next().await;
    let accepted = emulator
        .post(
            "/Messages.json",
            &[("To", phone), ("From", SANDBOX_NUMBER), ("Body", "hi")],
        )
        .await;
    assert_eq!(accepted.status(), 201);
}
