//! The live socket and the journal: transcript and tool events reach signed-in browsers, and a
//! socket is closed (1008, "session ended") once its session ends, not only checked at connect.

use super::{journal_for, order};
use crate::helpers::{spawn_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use futures_util::StreamExt;
use serde_json::{json, Value};
use server::providers::script::Tool;
use server::providers::session::Speaker;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

type Socket = crate::helpers::LiveSocket;

async fn open(app: &TestApp, cookie: &str) -> Socket {
    app.live_socket(cookie).await
}

/// The next event other than a snapshot.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s");
        if let Some(Ok(Message::Text(text))) = message {
            let event: Value = serde_json::from_str(&text).unwrap();
            if event["type"] != "snapshot" {
                return event;
            }
        }
    }
}

/// The close frame the server ends the socket with (`None`: ended without one).
async fn close_frame(socket: &mut Socket) -> Option<(CloseCode, String)> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                return Some((frame.code, frame.reason.to_string()))
            }
            Some(Ok(Message::Close(None))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Waits (at most 8 s) for the server to close the socket; returns the close code and reason.
async fn closed(socket: &mut Socket) -> (CloseCode, String) {
    tokio::time::timeout(Duration::from_secs(8), close_frame(socket))
        .await
        .expect("closed within 8 s")
        .expect("a close frame")
}

#[tokio::test]
async fn the_live_socket_receives_transcript_tool_and_order_events() {
    // Arrange
    let app = spawn_app().await;
    app.login_admin().await;
    let order_id = order(&app, "L-1", true).await;
    let (journal, call_id) = journal_for(&app, order_id).await;
    let (_, cookie) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = open(&app, &cookie).await;
    // The first message is the snapshot: the subscription is in place once it arrived.
    let first = tokio::time::timeout(Duration::from_secs(5), socket.next()).await;
    assert!(matches!(first, Ok(Some(Ok(Message::Text(_))))));

    // Act
    journal.transcript(Speaker::Caller, "Hel", false).await;
    journal.transcript(Speaker::Caller, "lo", false).await;
    journal.transcript(Speaker::Caller, "Hello.", true).await;
    journal
        .run_tool(Tool::AddDeliveryNote, &json!({"note": "blue door"}))
        .await;

    // Assert: partial lines carry the line so far; the whole line replaces them.
    let expect = |text: &str, done: bool| {
        json!({"type": "transcript", "call_id": call_id, "order_id": order_id,
               "speaker": "caller", "text": text, "done": done})
    };
    assert_eq!(next_event(&mut socket).await, expect("Hel", false));
    assert_eq!(next_event(&mut socket).await, expect("Hello", false));
    assert_eq!(next_event(&mut socket).await, expect("Hello.", true));
    let tool = next_event(&mut socket).await;
    assert_eq!(tool["type"], "tool_called");
    assert_eq!(tool["name"], "add_delivery_note");
    assert_eq!(tool["result_summary"], "note added to the order");
    assert_eq!(
        next_event(&mut socket).await,
        json!({"type": "order_changed", "order_id": order_id})
    );
}

#[tokio::test]
async fn the_live_socket_is_closed_after_sign_out() {
    let app = spawn_app().await;
    let (client, cookie) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = open(&app, &cookie).await;

    let response = app.call_with(&client, "logout", &[]).await;
    assert_eq!(response.status(), 200);

    let (code, reason) = closed(&mut socket).await;
    assert_eq!(code, CloseCode::Policy);
    assert_eq!(reason, "session ended");
}

#[tokio::test]
async fn the_live_socket_is_closed_when_its_user_is_deactivated() {
    // Arrange: a staff member with a live socket.
    let app = spawn_app().await;
    app.login_admin().await;
    let created = app
        .call(
            "users/create",
            &[
                ("name", "Sam Staff"),
                ("email", "sam@example.com"),
                ("password", "staff-password"),
                ("role", "staff"),
            ],
        )
        .await;
    let staff: Value = created.json().await.unwrap();
    let (_, cookie) = app.sign_in("sam@example.com", "staff-password").await;
    let mut socket = open(&app, &cookie).await;

    // Act
    let id = staff["id"].to_string();
    let response = app
        .call("users/set-active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(response.status(), 200);

    // Assert
    let (code, reason) = closed(&mut socket).await;
    assert_eq!(code, CloseCode::Policy);
    assert_eq!(reason, "session ended");
}

#[tokio::test]
async fn a_live_socket_whose_session_goes_on_stays_open() {
    let app = spawn_app().await;
    let (_, cookie) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = open(&app, &cookie).await;

    // Longer than two re-checks, no close arrives.
    let waited = tokio::time::timeout(Duration::from_secs(7), close_frame(&mut socket)).await;
    assert!(waited.is_err(), "the socket was ended: {waited:?}");
}
