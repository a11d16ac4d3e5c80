//! Two instances on one PostgreSQL database (issue 13), each a whole server with its own port,
//! hub, bridges and settings snapshot, sharing only the database: a live event raised on one
//! reaches a browser connected to the other (a large one by reference), a setting saved on one is
//! seen by the other, a session ended on one closes its socket on the other, and a dropped
//! listening connection comes back with a fresh snapshot. (The call limit and Hang up across
//! instances are tested with two whole processes: `processes.rs`.) SQLite is one process by design: there
//! these tests have nothing to check and say so.

use super::media::placed_with;
use super::{call_app, callback, next_event, status_params, CallApp};
use crate::helpers::{spawn_peer, LiveSocket, TestApp};
use app::api::{SettingKey, Speaker};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Whether the test runs on PostgreSQL (the only backend with several instances).
fn on_postgres(c: &CallApp) -> bool {
    let postgres = c.app.db.get_database_backend() == DatabaseBackend::Postgres;
    if !postgres {
        eprintln!("SQLite runs one instance: the cluster tests run with ORDERLINE_TEST_PG_URL");
    }
    postgres
}

/// Instance A (configured for calls) and instance B on its database; `None` on SQLite.
async fn two_instances() -> Option<(CallApp, TestApp)> {
    let c = call_app().await;
    if !on_postgres(&c) {
        return None;
    }
    let b = spawn_peer(&c.app).await;
    Some((c, b))
}

/// A browser on `other` with the session `cookie` (sessions live in the shared database), past
/// its first snapshot.
async fn browser_on(other: &TestApp, cookie: &str) -> LiveSocket {
    let mut socket = other.live_socket(cookie).await;
    assert_eq!(next_event(&mut socket).await["type"], "snapshot");
    socket
}

/// The next event of `kind`, skipping others.
async fn event_of(socket: &mut LiveSocket, kind: &str) -> Value {
    loop {
        let event = next_event(socket).await;
        if event["type"] == kind {
            return event;
        }
    }
}

#[tokio::test]
async fn a_call_placed_and_a_callback_on_one_instance_reach_a_browser_on_the_other() {
    let Some((c, b)) = two_instances().await else {
        return;
    };
    let mut browser = browser_on(&b, &c.cookie).await;

    let call = placed_with(&c, "CL-1", "openai").await;
    let placed = event_of(&mut browser, "call_changed").await;
    assert_eq!(placed["call"]["id"], call.call_id);
    assert_eq!(
        callback(
            &c,
            call.order_id,
            &status_params(&call.sid, "ringing", "1"),
            None
        )
        .await,
        204
    );
    loop {
        let changed = event_of(&mut browser, "call_changed").await;
        if changed["call"]["status"] == "ringing" {
            assert_eq!(changed["call"]["id"], call.call_id);
            break;
        }
    }
}

#[tokio::test]
async fn an_event_larger_than_a_notify_payload_arrives_whole() {
    let Some((c, b)) = two_instances().await else {
        return;
    };
    let mut browser = browser_on(&b, &c.cookie).await;
    // 20,000 bytes of transcript: well over PostgreSQL's 8,000-byte NOTIFY limit.
    let text = "é".repeat(10_000);
    c.app
        .hub
        .publish_transcript(1, 2, Speaker::Caller, text.clone(), false);
    let line = event_of(&mut browser, "transcript").await;
    assert_eq!(line["text"].as_str(), Some(text.as_str()));
    assert_eq!(
        (line["call_id"].as_i64(), line["order_id"].as_i64()),
        (Some(1), Some(2))
    );
}

#[tokio::test]
async fn a_setting_saved_on_one_instance_is_used_by_the_other() {
    let Some((c, b)) = two_instances().await else {
        return;
    };
    assert_ne!(
        b.settings.current().get(SettingKey::BusinessName),
        "Chez Cluster"
    );
    super::save(&c.app, "business_name", "Chez Cluster").await;
    for _ in 0..250 {
        if b.settings.current().get(SettingKey::BusinessName) == "Chez Cluster" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the other instance still has the old business name after 5 s");
}

#[tokio::test]
async fn a_dropped_listening_connection_comes_back_with_a_fresh_snapshot() {
    let Some((c, b)) = two_instances().await else {
        return;
    };
    let mut browser = browser_on(&b, &c.cookie).await;
    // Cut every LISTEN connection of this database (both instances'), as a network fault would.
    let cut = c
        .app
        .db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'",
        )
        .await
        .unwrap();
    assert!(cut.rows_affected() >= 1, "a listening connection was cut");
    // B listens again and tells its browsers to start from a fresh snapshot...
    let snapshot = event_of(&mut browser, "snapshot").await;
    assert!(snapshot["calls"].is_array());
    // ... and events from A reach it again.
    let call = placed_with(&c, "CL-3", "openai").await;
    let placed = event_of(&mut browser, "call_changed").await;
    assert_eq!(placed["call"]["id"], call.call_id);
}

#[tokio::test]
async fn signing_out_on_one_instance_closes_that_session_s_socket_on_the_other_at_once() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let Some((c, b)) = two_instances().await else {
        return;
    };
    let (client, cookie) = c
        .app
        .sign_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let mut browser = browser_on(&b, &cookie).await;
    let signed_out = Instant::now();
    // Sign out through the session's own client on A.
    let response = client.post(c.app.url("/api/logout")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let frame = loop {
        match tokio::time::timeout(Duration::from_secs(10), browser.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    assert_eq!(frame.map(|f| u16::from(f.code)), Some(1008));
    // Announced, not found by the periodic check (every 3 s).
    assert!(
        signed_out.elapsed() < Duration::from_secs(2),
        "{:?}",
        signed_out.elapsed()
    );
}
