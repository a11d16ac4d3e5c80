//! Calls across two `orderline` processes on one PostgreSQL database (issue 13): the
//! simultaneous-call limit holds across both, and Hang up pressed on a page served by one ends
//! the call bridged by the other (its Media Stream landed there). Each process is the real binary,
//! configured through its environment; only the database is shared. SQLite is one process by
//! design: there these tests have nothing to check.

use super::bridge::{drain, peer_until};
use super::media::{parameter, start as start_message, upgrade_signed, Socket};
use crate::fakes;
use crate::processes::{create_order, free_port, shared_postgres, signed_in, start, two, Server};
use crate::providers::fake as provider_fake;
use futures_util::{SinkExt, StreamExt};
use sea_orm::EntityTrait;
use server::db::entities::calls;
use server::twilio::signature;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Places a call to `order_id` through `base`; the HTTP status and the body.
async fn place(client: &reqwest::Client, base: &str, order_id: i64) -> (u16, serde_json::Value) {
    let id = order_id.to_string();
    let response = client
        .post(format!("{base}/api/calls/place"))
        .form(&[
            ("order_id", id.as_str()),
            ("recipient", "customer"),
            ("provider", "openai"),
            ("purpose", ""),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn the_simultaneous_call_limit_holds_across_two_processes() {
    let dir = tempfile::tempdir().unwrap();
    let Some(database_url) = shared_postgres(dir.path()).await else {
        return;
    };
    let (twilio, fake) = fakes::twilio().await;
    // The limit is saved on A before B starts, so both have it in their settings snapshot.
    let a = start(&database_url, dir.path(), &twilio, free_port(), &[]).await;
    let staff_a = signed_in(&a.base).await;
    let saved = staff_a
        .post(format!("{}/api/settings/save", a.base))
        .form(&[("key", "max_concurrent_calls"), ("value", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let b = start(&database_url, dir.path(), &twilio, free_port(), &[]).await;
    let staff_b = signed_in(&b.base).await;
    let mut orders = Vec::new();
    for i in 0..6 {
        orders.push(create_order(&staff_a, &a.base, &format!("PLIM-{i}")).await);
    }

    // Six placements at once, three through each process.
    let placements = orders.iter().enumerate().map(|(i, &order_id)| {
        let (client, base) = if i % 2 == 0 {
            (&staff_a, &a.base)
        } else {
            (&staff_b, &b.base)
        };
        async move { place(client, base, order_id).await.0 }
    });
    let statuses = futures_util::future::join_all(placements).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        4,
        "{statuses:?}"
    );
    let created = fake
        .paths()
        .iter()
        .filter(|p| p.ends_with("/Calls.json"))
        .count();
    assert_eq!(created, 2, "Twilio was asked for two calls");
}

/// Answers `call_id` on `server` as Twilio does: the signed voice webhook, then the signed Media
/// Stream with `connected` and `start`.
async fn answer(server: &Server, order_id: i64, call_id: i64, sid: &str) -> Socket {
    let url = format!(
        "{}/api/v1/orders/{order_id}/twilio-voice?call={call_id}",
        server.base
    );
    let params = vec![
        ("CallSid".to_owned(), sid.to_owned()),
        ("CallStatus".to_owned(), "in-progress".to_owned()),
        ("AnsweredBy".to_owned(), "human".to_owned()),
    ];
    let twiml = reqwest::Client::new()
        .post(&url)
        .header(
            "x-twilio-signature",
            signature::sign(fakes::AUTH_TOKEN, &url, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (stream_call_id, token) = (parameter(&twiml, "callId"), parameter(&twiml, "token"));
    let stream = format!(
        "{}/api/v1/orders/{order_id}/twilio-media",
        server.base.replace("http://", "ws://")
    );
    let signed = upgrade_signed(&stream, &signature::sign(fakes::AUTH_TOKEN, &stream, &[]));
    let (mut socket, _) = tokio_tungstenite::connect_async(signed).await.unwrap();
    let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
    for text in [
        connected.to_owned(),
        start_message(sid, &stream_call_id, &token),
    ] {
        socket.send(Message::Text(text.into())).await.unwrap();
    }
    socket
}

#[tokio::test]
async fn hang_up_on_one_process_ends_the_call_bridged_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let Some(database_url) = shared_postgres(dir.path()).await else {
        return;
    };
    let (twilio, fake) = fakes::twilio().await;
    let mut openai = provider_fake::openai().await;
    let env = [
        ("OPENAI_API_KEY", fakes::OPENAI_KEY),
        ("OPENAI_REALTIME_URL", openai.url.as_str()),
    ];
    let (a, b) = two(&database_url, dir.path(), &twilio, &env).await;
    let staff_a = signed_in(&a.base).await;
    let order_id = create_order(&staff_a, &a.base, "PHUP-1").await;
    let (status, call) = place(&staff_a, &a.base, order_id).await;
    assert_eq!(status, 200, "{call}");
    let call_id = call["id"].as_i64().expect("the call's id");
    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    let row = calls::Entity::find_by_id(call_id as i32)
        .one(&db)
        .await
        .unwrap()
        .expect("the call is stored");
    let sid = row.call_sid.expect("Twilio's call SID");

    // The call is answered and its Media Stream lands on A, which bridges it to the agent.
    let mut stream = answer(&a, order_id, call_id, &sid).await;
    let mut peer = openai.peer().await;
    peer_until(&mut peer, "response.create").await;

    // Staff press Hang up on a page served by B.
    let staff_b = signed_in(&b.base).await;
    let id = call_id.to_string();
    let hung_up = staff_b
        .post(format!("{}/api/calls/hang-up", b.base))
        .form(&[("call_id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(hung_up.status(), 200);

    // A's bridge ends (not waiting for Twilio's `stop`): the stream closes normally, the provider
    // session closes, and Twilio is asked to end the call.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected the stream to close, got {other:?}"),
        }
    };
    assert_eq!(close, Some(1000));
    assert!(drain(&mut peer).await, "the provider session is closed");
    for _ in 0..500 {
        let update = fake.last_form(&format!("/Calls/{sid}.json"));
        if !update.is_empty() {
            // `completed`, though no status callback said `in-progress` yet: the voice webhook
            // (answered) has run, and Twilio ignores `canceled` for a call in progress.
            assert!(
                update
                    .iter()
                    .any(|(k, v)| k == "Status" && v == "completed"),
                "{update:?}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("Twilio was not asked to end the call");
}
