//! The sandbox leg against Orderline itself: the voice webhook's TwiML goes through the
//! sandbox's TwiML parser, the leg opens the Stream it names, and Orderline's signature check
//! accepts the signed upgrade and its token check accepts the `start` (a forged signature gets
//! 403, a wrong token 1008).

use crate::calls::{call_app, create_order, CallApp};
use crate::fakes;
use sea_orm::EntityTrait;
use serde_json::Value;
use server::db::entities::calls;
use server::sandbox::stream::{self, StreamEnd, StreamError, StreamParams};
use server::sandbox::twiml::{self, Verb};
use server::twilio::signature;
use std::time::Duration;

/// A placed call: its id and SID, and the Stream of its voice webhook's TwiML.
struct Answered {
    call_id: i32,
    call_sid: String,
    stream: twiml::Stream,
}

/// Places a call for a new order and answers it as Twilio does: the signed voice webhook,
/// whose TwiML is parsed by the sandbox.
async fn answered(c: &CallApp, number: &str) -> Answered {
    let order_id = create_order(&c.app, number, "06 12 34 56 78").await;
    let id = order_id.to_string();
    let form = [
        ("order_id", id.as_str()),
        ("recipient", "customer"),
        ("provider", "openai"),
        ("purpose", "confirm the time"),
    ];
    let call: Value = c.app.call("calls/place", &form).await.json().await.unwrap();
    let call_id = call["id"].as_i64().unwrap() as i32;
    let row = calls::Entity::find_by_id(call_id)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
    let call_sid = row.call_sid.unwrap();
    let url = format!(
        "{}/api/v1/orders/{order_id}/twilio-voice?call={call_id}",
        c.app.address
    );
    let params = vec![
        ("CallSid".to_owned(), call_sid.clone()),
        ("CallStatus".to_owned(), "in-progress".to_owned()),
        ("AnsweredBy".to_owned(), "human".to_owned()),
    ];
    let response = reqwest::Client::new()
        .post(&url)
        .header(
            "x-twilio-signature",
            signature::sign(fakes::AUTH_TOKEN, &url, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document = response.bytes().await.unwrap();
    let parsed = twiml::parse(&document).unwrap();
    let Some(Verb::Connect(connect)) = parsed.verbs.into_iter().next() else {
        panic!("the voice webhook does not connect a stream")
    };
    Answered {
        call_id,
        call_sid,
        stream: connect.stream,
    }
}

fn leg_params(call: &Answered, auth_token: &str) -> StreamParams {
    StreamParams {
        url: call.stream.url.clone(),
        parameters: call
            .stream
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect(),
        account_sid: fakes::ACCOUNT_SID.into(),
        call_sid: call.call_sid.clone(),
        auth_token: auth_token.to_owned().into(),
        stream_sid: stream::generate_stream_sid(),
    }
}

/// Whether Orderline marked the call's media token used (it does once `start` is accepted).
async fn token_used(c: &CallApp, call_id: i32) -> bool {
    let row = calls::Entity::find_by_id(call_id)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
    row.media_token_used_at.is_some()
}

#[tokio::test]
async fn orderline_accepts_the_sandbox_leg_s_signed_upgrade_and_its_start() {
    // Arrange
    let c = call_app().await;
    let call = answered(&c, "SB-1").await;
    assert!(!token_used(&c, call.call_id).await);

    // Act
    let leg = stream::open(leg_params(&call, fakes::AUTH_TOKEN))
        .await
        .expect("Orderline accepts the signed upgrade");

    // Assert: the stream got past `start` (its token is spent).
    let mut accepted = false;
    for _ in 0..50 {
        if token_used(&c, call.call_id).await {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "Orderline did not accept the stream's start");
    leg.stop().await;
}

#[tokio::test]
async fn orderline_refuses_a_forged_upgrade_with_403() {
    // Arrange
    let c = call_app().await;
    let call = answered(&c, "SB-2").await;

    // Act
    let error = stream::open(leg_params(&call, "not-the-auth-token"))
        .await
        .unwrap_err();

    // Assert
    assert!(
        matches!(error, StreamError::Handshake { status: 403 }),
        "{error:?}"
    );
    assert_eq!(error.code(), 31920);
    assert!(!token_used(&c, call.call_id).await);
}

#[tokio::test]
async fn orderline_closes_a_stream_whose_token_is_wrong_with_1008() {
    // Arrange
    let c = call_app().await;
    let mut call = answered(&c, "SB-3").await;
    for parameter in &mut call.stream.parameters {
        if parameter.name == "token" {
            parameter.value = "forged".into();
        }
    }

    // Act
    let leg = stream::open(leg_params(&call, fakes::AUTH_TOKEN))
        .await
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(5), leg.closed())
        .await
        .expect("Orderline ends the stream");

    // Assert
    assert!(
        matches!(
            end,
            StreamEnd::ClosedByServer {
                code: Some(1008),
                ..
            }
        ),
        "{end:?}"
    );
}
