//! Orderline's own `TwilioClient` pointed at the emulator: the requests it makes to real Twilio
//! work unchanged.

use super::{spawn_emulator, SANDBOX_NUMBER};
use server::twilio::client::{CreateCall, TwilioClient};
use server::twilio::messages::{SendMessage, Sender};

fn client(emulator: &super::Emulator, token: &str) -> TwilioClient {
    TwilioClient::new(
        reqwest::Client::new(),
        &emulator.base,
        &emulator.account_sid,
        token.to_owned().into(),
    )
}

#[tokio::test]
async fn orderlines_client_works_against_the_emulator() {
    let emulator = spawn_emulator().await;
    let twilio = client(&emulator, &emulator.token);

    let account = twilio.fetch_account().await.unwrap();
    assert_eq!(account.sid, emulator.account_sid);
    assert_eq!(account.status, "active");
    assert!(twilio.owns_number(SANDBOX_NUMBER).await.unwrap());
    assert!(!twilio.owns_number("+33612345678").await.unwrap());

    let message = twilio
        .send_message(&SendMessage {
            to: "+33612345678".into(),
            sender: Sender::Number(SANDBOX_NUMBER.into()),
            body: "Bonjour".into(),
            status_callback: "https://desk.example/api/v1/orders/7/twilio-sms-status".into(),
        })
        .await
        .unwrap();
    assert_eq!(message.status, "queued");
    let fetched = twilio.fetch_message(&message.sid).await.unwrap().unwrap();
    assert_eq!(fetched.sid, message.sid);
    assert!(
        fetched.created().is_some(),
        "date_created parses as RFC 2822"
    );
    assert!(twilio
        .fetch_message("SM0123456789abcdef0123456789abcdef")
        .await
        .unwrap()
        .is_none());

    let call = twilio
        .create_call(&CreateCall {
            to: "+33612345678".into(),
            from: SANDBOX_NUMBER.into(),
            url: "https://desk.example/api/v1/orders/7/twilio-voice".into(),
            status_callback: "https://desk.example/api/v1/orders/7/twilio-status".into(),
            machine_detection: Some("Enable"),
            timeout_seconds: 30,
            time_limit_seconds: 600,
        })
        .await
        .unwrap();
    assert_eq!(call.status, "queued");
    let stored = emulator.store.call(&call.sid).unwrap();
    assert_eq!(stored.params.timeout_seconds, 30);
    assert_eq!(stored.params.status_callback_events.len(), 4);
    assert_eq!(
        twilio.fetch_call(&call.sid).await.unwrap().map(|c| c.sid),
        Some(call.sid.clone())
    );
    assert!(twilio.end_call(&call.sid, "completed").await.unwrap());
    assert!(!twilio
        .end_call("CA0123456789abcdef0123456789abcdef", "completed")
        .await
        .unwrap());
}

#[tokio::test]
async fn orderlines_client_sees_wrong_credentials_as_refused() {
    let emulator = spawn_emulator().await;
    let error = client(&emulator, "0123456789abcdef0123456789abcdef")
        .fetch_account()
        .await
        .unwrap_err();
    assert!(error.is_refused_credentials(), "{error}");
}
