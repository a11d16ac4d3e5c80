//! The voice webhook's token and the Media Streams endpoint: one token per call (a replayed
//! webhook answers the same one), used once, only by the call's own stream while the call is live.

use super::{
    call_app, callback, create_order, place_with, save, set_customer_language, status_params,
    CallApp,
};
use crate::fakes;
use futures_util::{SinkExt, StreamExt};
use sea_orm::EntityTrait;
use serde_json::Value;
use server::db::entities::calls;
use server::twilio::signature;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

/// A placed call: its order, id and SID.
pub(super) struct Placed {
    pub(super) order_id: i64,
    pub(super) call_id: i64,
    pub(super) sid: String,
}

pub(super) async fn placed(c: &CallApp, number: &str) -> Placed {
    placed_with(c, number, "openai").await
}

/// A call placed for a new order `number`, with the agent of `provider`.
pub(super) async fn placed_with(c: &CallApp, number: &str, provider: &str) -> Placed {
    let order_id = create_order(&c.app, number, "06 12 34 56 78").await;
    let call: Value = place_with(c, order_id, provider)
        .await
        .json()
        .await
        .unwrap();
    let call_id = call["id"].as_i64().unwrap();
    let row = calls::Entity::find_by_id(call_id as i32)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
    Placed {
        order_id,
        call_id,
        sid: row.call_sid.unwrap(),
    }
}

/// Posts the signed voice webhook Twilio sends when the call is answered by a person.
async fn voice_response(c: &CallApp, call: &Placed) -> reqwest::Response {
    voice_answered_by(c, call, "human").await
}

/// Posts the signed voice webhook with `AnsweredBy` (Twilio's answering-machine detection).
async fn voice_answered_by(c: &CallApp, call: &Placed, answered_by: &str) -> reqwest::Response {
    let url = format!(
        "{}/api/v1/orders/{}/twilio-voice?call={}",
        c.app.address, call.order_id, call.call_id
    );
    let params = vec![
        ("CallSid".to_owned(), call.sid.clone()),
        ("CallStatus".to_owned(), "in-progress".to_owned()),
        ("AnsweredBy".to_owned(), answered_by.to_owned()),
    ];
    reqwest::Client::new()
        .post(&url)
        .header(
            "x-twilio-signature",
            signature::sign(fakes::AUTH_TOKEN, &url, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap()
}

/// The voice webhook's TwiML.
pub(super) async fn voice(c: &CallApp, call: &Placed) -> String {
    let response = voice_response(c, call).await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The value of a `<Parameter>` in TwiML.
pub(super) fn parameter(twiml: &str, name: &str) -> String {
    twiml
        .split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} in {twiml}"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// The `start` message Twilio sends, with our parameters.
pub(super) fn start(call_sid: &str, call_id: &str, token: &str) -> String {
    format!(
        r#"{{"event":"start","sequenceNumber":"1","start":{{"accountSid":"{}","streamSid":"MZ1","callSid":"{call_sid}","tracks":["inbound"],"mediaFormat":{{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"customParameters":{{"callId":"{call_id}","token":"{token}"}}}},"streamSid":"MZ1"}}"#,
        fakes::ACCOUNT_SID
    )
}

pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(super) fn stream_url(c: &CallApp, order_id: i64) -> String {
    format!(
        "{}/api/v1/orders/{order_id}/twilio-media",
        c.app.address.replace("http://", "ws://")
    )
}

/// The upgrade request to `url` with this signature.
pub(super) fn upgrade_signed(
    url: &str,
    signature: &str,
) -> tungstenite::handshake::client::Request {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("x-twilio-signature", signature.parse().unwrap());
    request
}

/// The upgrade request Twilio sends: signed over the ws URL, no parameters.
pub(super) fn upgrade(c: &CallApp, order_id: i64) -> tungstenite::handshake::client::Request {
    let url = stream_url(c, order_id);
    upgrade_signed(&url, &signature::sign(fakes::AUTH_TOKEN, &url, &[]))
}

/// Opens the media socket as Twilio does.
pub(super) async fn open_stream(c: &CallApp, order_id: i64) -> Socket {
    tokio_tungstenite::connect_async(upgrade(c, order_id))
        .await
        .expect("media socket")
        .0
}

/// The close code the server ends the socket with (None: no close frame).
pub(super) async fn close_code(socket: &mut Socket) -> Option<u16> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("the server ends the stream within 5 s");
        match next {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// Plays a short stream (`connected`, `start`, `stop`): 1000 when it was accepted and ended
/// normally, 1008 when the `start` was refused.
async fn stream(c: &CallApp, order_id: i64, start: String) -> Option<u16> {
    let mut socket = open_stream(c, order_id).await;
    let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
    let stop = r#"{"event":"stop","sequenceNumber":"2","stop":{},"streamSid":"MZ1"}"#;
    for text in [connected.to_owned(), start, stop.to_owned()] {
        // A refused stream may be closed before the last frames go out.
        let _ = socket.send(Message::Text(text.into())).await;
    }
    close_code(&mut socket).await
}

#[tokio::test]
async fn a_replayed_voice_webhook_answers_the_same_token_which_still_opens_the_stream() {
    // Arrange
    let c = call_app().await;
    let call = placed(&c, "S-1").await;

    // Act: Twilio's webhook, then a replay of it.
    let first = voice(&c, &call).await;
    let replayed = voice(&c, &call).await;

    // Assert
    let token = parameter(&first, "token");
    assert_eq!(parameter(&replayed, "token"), token);
    let call_id = parameter(&first, "callId");
    let opened = stream(&c, call.order_id, start(&call.sid, &call_id, &token)).await;
    assert_eq!(opened, Some(1000));
    let again = stream(&c, call.order_id, start(&call.sid, &call_id, &token)).await;
    assert_eq!(again, Some(1008), "a token works once");
}

#[tokio::test]
async fn a_stream_whose_call_sid_is_not_the_call_s_is_refused() {
    // Arrange: two live calls; the second's token is presented on a stream of the first.
    let c = call_app().await;
    let first = placed(&c, "S-2").await;
    let second = placed(&c, "S-3").await;
    let token = parameter(&voice(&c, &second).await, "token");

    // Act
    let code = stream(
        &c,
        second.order_id,
        start(&first.sid, &second.call_id.to_string(), &token),
    )
    .await;

    // Assert
    assert_eq!(code, Some(1008));
}

#[tokio::test]
async fn a_token_is_refused_once_the_call_is_over_and_a_late_webhook_hangs_up() {
    // Arrange: a token issued, then the call completes.
    let c = call_app().await;
    let call = placed(&c, "S-4").await;
    let token = parameter(&voice(&c, &call).await, "token");
    let completed = status_params(&call.sid, "completed", "3");
    assert_eq!(callback(&c, call.order_id, &completed, None).await, 204);

    // Act
    let code = stream(
        &c,
        call.order_id,
        start(&call.sid, &call.call_id.to_string(), &token),
    )
    .await;
    let late = voice(&c, &call).await;

    // Assert
    assert_eq!(code, Some(1008));
    assert!(late.ends_with("<Response><Hangup/></Response>"), "{late}");
}

#[tokio::test]
async fn the_voice_webhook_connects_a_stream_whose_token_works_once() {
    // Arrange
    let c = call_app().await;
    let call = placed(&c, "S-5").await;

    // Act
    let response = voice_response(&c, &call).await;

    // Assert: TwiML connecting our stream, with the call id and token as parameters.
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    let twiml = response.text().await.unwrap();
    let expected = format!(
        r#"<Connect><Stream url="{}">"#,
        stream_url(&c, call.order_id)
    );
    assert!(twiml.contains(&expected), "{twiml}");
    let (call_id, token) = (parameter(&twiml, "callId"), parameter(&twiml, "token"));
    assert_eq!(call_id, call.call_id.to_string());
    // Malformed frames before `start` are skipped; the token opens one stream only.
    let mut socket = open_stream(&c, call.order_id).await;
    for text in ["not json".to_owned(), start(&call.sid, &call_id, &token)] {
        socket.send(Message::Text(text.into())).await.unwrap();
    }
    let stop = r#"{"event":"stop","sequenceNumber":"2","stop":{},"streamSid":"MZ1"}"#;
    socket.send(Message::Text(stop.into())).await.unwrap();
    assert_eq!(close_code(&mut socket).await, Some(1000));
    for bad in [token.as_str(), "forged-token"] {
        let code = stream(&c, call.order_id, start(&call.sid, &call_id, bad)).await;
        assert_eq!(code, Some(1008), "{bad}");
    }
}

/// The HTTP status of an upgrade refused before upgrading (None when it upgraded).
fn refused_status<T>(result: Result<T, tungstenite::Error>) -> Option<u16> {
    match result {
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        _ => None,
    }
}

#[tokio::test]
async fn an_unsigned_or_forged_upgrade_is_refused_before_upgrading() {
    // Arrange
    let c = call_app().await;
    let call = placed(&c, "S-6").await;
    let url = stream_url(&c, call.order_id);
    let https_form = url.replace("ws://", "http://");
    let other_url = signature::sign(fakes::AUTH_TOKEN, &https_form, &[]);

    // Act
    let unsigned = tokio_tungstenite::connect_async(url.as_str()).await;
    let forged = tokio_tungstenite::connect_async(upgrade_signed(&url, "bm90IGl0")).await;
    let wrong_url = tokio_tungstenite::connect_async(upgrade_signed(&url, &other_url)).await;

    // Assert
    assert_eq!(refused_status(unsigned), Some(403));
    assert_eq!(refused_status(forged), Some(403));
    assert_eq!(
        refused_status(wrong_url),
        Some(403),
        "Twilio signs the ws(s) URL"
    );
}

#[tokio::test]
async fn a_message_larger_than_any_twilio_message_closes_the_socket_with_1009() {
    // Arrange
    let c = call_app().await;
    let call = placed(&c, "S-7").await;
    let mut socket = open_stream(&c, call.order_id).await;
    let huge = format!(
        r#"{{"event":"media","media":{{"payload":"{}"}},"streamSid":"MZ1"}}"#,
        "A".repeat(server::webhooks::MAX_MESSAGE)
    );

    // Act
    socket.send(Message::Text(huge.into())).await.unwrap();
    let stop = r#"{"event":"stop","sequenceNumber":"2","stop":{},"streamSid":"MZ1"}"#;
    let _ = socket.send(Message::Text(stop.into())).await;

    // Assert
    assert_eq!(close_code(&mut socket).await, Some(1009));
}

#[tokio::test]
async fn sockets_awaiting_their_token_check_are_capped_and_a_checked_one_frees_its_slot() {
    // Arrange: every slot taken by a socket that has not sent `start`, the first one of a call.
    let c = call_app().await;
    let call = placed(&c, "S-8").await;
    let twiml = voice(&c, &call).await;
    let (call_id, token) = (parameter(&twiml, "callId"), parameter(&twiml, "token"));
    let mut waiting = Vec::new();
    for _ in 0..server::webhooks::MAX_UNAUTHENTICATED {
        waiting.push(open_stream(&c, call.order_id).await);
    }

    // Act and Assert: one more is refused...
    let over = tokio_tungstenite::connect_async(upgrade(&c, call.order_id)).await;
    assert_eq!(refused_status(over), Some(503));
    // ...until one passes its check (its stream then ends normally).
    let first = &mut waiting[0];
    let stop = r#"{"event":"stop","sequenceNumber":"2","stop":{},"streamSid":"MZ1"}"#;
    for text in [start(&call.sid, &call_id, &token), stop.to_owned()] {
        first.send(Message::Text(text.into())).await.unwrap();
    }
    assert_eq!(close_code(first).await, Some(1000));
    let after = tokio_tungstenite::connect_async(upgrade(&c, call.order_id)).await;
    assert!(after.is_ok(), "{:?}", refused_status(after));
}

#[tokio::test]
async fn an_answering_machine_hears_the_message_in_the_customer_s_language() {
    let c = call_app().await;
    save(&c.app, "agent_machine_behaviour", "leave_message").await;
    // The business speaks French (the default); this order's customer speaks English.
    let english = placed_with(&c, "AM-1", "openai").await;
    set_customer_language(&c.app, english.order_id, "en").await;
    let twiml = voice_answered_by(&c, &english, "machine_end_beep").await;
    let twiml = twiml.text().await.unwrap();
    assert!(twiml.contains(r#"language="en-US""#), "{twiml}");
    assert!(twiml.contains("calling about your order"), "{twiml}");
    assert!(twiml.contains("<Hangup/>"), "{twiml}");

    let french = placed_with(&c, "AM-2", "openai").await;
    let twiml = voice_answered_by(&c, &french, "machine_end_beep").await;
    let twiml = twiml.text().await.unwrap();
    assert!(twiml.contains(r#"language="fr-FR""#), "{twiml}");
    assert!(twiml.contains("au sujet de votre commande"), "{twiml}");
}
