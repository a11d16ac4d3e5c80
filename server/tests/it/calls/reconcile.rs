//! The reconciler against the fake Twilio: calls left open by lost callbacks get Twilio's truth
//! (`GET .../Calls/{CallSid}.json`), calls that never got a SID are failed, young calls are left
//! alone. Rounds run with a clock set ahead instead of waiting.

use super::{call_app, callback, create_order, place, status_params, CallApp};
use crate::fakes::{self, CreateMode};
use chrono::{Duration, Utc};
use sea_orm::EntityTrait;
use serde_json::Value;
use server::db::entities::calls;

/// Places a call and returns its id and SID.
async fn placed(c: &CallApp, number: &str) -> (i64, i32, String) {
    let order_id = create_order(&c.app, number, "06 12 34 56 78").await;
    let call: Value = place(c, order_id).await.json().await.unwrap();
    let id = call["id"].as_i64().unwrap() as i32;
    (order_id, id, row(c, id).await.call_sid.unwrap())
}

async fn row(c: &CallApp, id: i32) -> calls::Model {
    calls::Entity::find_by_id(id)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap()
}

fn fetches(c: &CallApp, sid: &str) -> usize {
    let path = format!(
        "/2010-04-01/Accounts/{}/Calls/{sid}.json",
        fakes::ACCOUNT_SID
    );
    c.fake.paths().iter().filter(|p| **p == path).count()
}

#[tokio::test]
async fn a_call_whose_final_callback_was_lost_gets_its_status_from_twilio() {
    // Arrange: the call rang, then ended at Twilio; the final callback never came.
    let c = call_app().await;
    let (order_id, id, sid) = placed(&c, "R-1").await;
    assert_eq!(
        callback(&c, order_id, &status_params(&sid, "ringing", "1"), None).await,
        204
    );
    c.fake.set_call(&sid, "completed", Some("42"));

    // Act
    let changed = c
        .app
        .reconciler
        .run_once(Utc::now() + Duration::minutes(3))
        .await
        .unwrap();

    // Assert
    assert_eq!(changed, 1);
    assert_eq!(fetches(&c, &sid), 1);
    let call = row(&c, id).await;
    assert_eq!(call.status, "completed");
    assert_eq!(call.duration_seconds, Some(42));
    assert_eq!(
        call.last_sequence, 1,
        "a later callback still orders by sequence"
    );
}

#[tokio::test]
async fn calls_are_fetched_only_once_they_are_late() {
    // Arrange: one call still ringing, one answered (maximum length 5 minutes).
    let c = call_app().await;
    let (_, ringing_id, ringing_sid) = placed(&c, "R-2").await;
    let (order_id, answered_id, answered_sid) = placed(&c, "R-3").await;
    let answered = status_params(&answered_sid, "in-progress", "2");
    assert_eq!(callback(&c, order_id, &answered, None).await, 204);
    c.fake.set_call(&ringing_sid, "no-answer", Some("0"));
    c.fake.set_call(&answered_sid, "completed", Some("300"));
    let now = Utc::now();

    // Act and Assert: at 1 minute nothing is late.
    assert_eq!(
        c.app
            .reconciler
            .run_once(now + Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        (fetches(&c, &ringing_sid), fetches(&c, &answered_sid)),
        (0, 0)
    );
    // At 3 minutes the ringing call is; the answered one has 5 + 2 minutes.
    assert_eq!(
        c.app
            .reconciler
            .run_once(now + Duration::minutes(3))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        (fetches(&c, &ringing_sid), fetches(&c, &answered_sid)),
        (1, 0)
    );
    assert_eq!(row(&c, ringing_id).await.status, "no-answer");
    assert_eq!(row(&c, answered_id).await.status, "in-progress");
    // At 8 minutes the answered one is late too.
    assert_eq!(
        c.app
            .reconciler
            .run_once(now + Duration::minutes(8))
            .await
            .unwrap(),
        1
    );
    assert_eq!(row(&c, answered_id).await.status, "completed");
}

#[tokio::test]
async fn a_call_that_never_got_a_sid_is_failed_after_five_minutes() {
    // Arrange: Twilio's answer was lost and no callback came.
    let c = call_app().await;
    *c.fake.create_mode.lock().unwrap() = CreateMode::LoseAnswer;
    let order_id = create_order(&c.app, "R-4", "06 12 34 56 78").await;
    assert_eq!(place(&c, order_id).await.status(), 502);
    let id = calls::Entity::find()
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = Utc::now();

    // Act and Assert
    assert_eq!(
        c.app
            .reconciler
            .run_once(now + Duration::minutes(4))
            .await
            .unwrap(),
        0
    );
    assert_eq!(row(&c, id).await.status, "queued");
    assert_eq!(
        c.app
            .reconciler
            .run_once(now + Duration::minutes(6))
            .await
            .unwrap(),
        1
    );
    let call = row(&c, id).await;
    assert_eq!(call.status, "failed");
    assert!(call.failure_reason.unwrap().contains("no Call SID"));
}

#[tokio::test]
async fn a_call_twilio_does_not_know_is_failed_and_frees_its_place() {
    // Arrange: the limit is 1 and the only call is unknown to Twilio.
    let c = call_app().await;
    super::save(&c.app, "max_concurrent_calls", "1").await;
    let (order_id, id, sid) = placed(&c, "R-5").await;
    c.fake.forget_call(&sid);
    assert_eq!(place(&c, order_id).await.status(), 409);

    // Act
    c.app
        .reconciler
        .run_once(Utc::now() + Duration::minutes(3))
        .await
        .unwrap();

    // Assert
    let call = row(&c, id).await;
    assert_eq!(call.status, "failed");
    assert!(call.failure_reason.unwrap().contains("20404"));
    assert_eq!(place(&c, order_id).await.status(), 200);
}
