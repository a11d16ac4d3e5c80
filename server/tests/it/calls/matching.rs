//! Callbacks find their call by our call id (the `call` query parameter of the URLs given to
//! Twilio): one that overtakes Twilio's answer, or follows a lost answer, still moves the call.

use super::{call_app, create_order, place, status_params, CallApp};
use crate::fakes::{send_status_callback, CreateMode};
use sea_orm::EntityTrait;
use serde_json::Value;
use server::db::entities::calls;

async fn only_call(c: &CallApp, order_id: i64) -> calls::Model {
    let listed: Vec<Value> = c
        .app
        .call("calls/for-order", &[("order_id", &order_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0]["id"].as_i64().unwrap() as i32;
    calls::Entity::find_by_id(id)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap()
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_callback_that_overtakes_twilio_s_answer_still_moves_the_call() {
    // Arrange
    let c = call_app().await;
    *c.fake.create_mode.lock().unwrap() = CreateMode::CallbackFirst;
    let order_id = create_order(&c.app, "M-1", "06 12 34 56 78").await;

    // Act
    let response = place(&c, order_id).await;

    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(*c.fake.early_callbacks.lock().unwrap(), [204]);
    let call = only_call(&c, order_id).await;
    assert_eq!(call.status, "initiated");
    assert_eq!(
        call.call_sid.as_deref(),
        Some(format!("CA{:032x}", 1).as_str())
    );
}

#[tokio::test]
async fn a_call_whose_answer_was_lost_stays_open_and_follows_its_callbacks() {
    // Arrange: Twilio accepts the call but its answer never arrives whole.
    let c = call_app().await;
    *c.fake.create_mode.lock().unwrap() = CreateMode::LoseAnswer;
    let order_id = create_order(&c.app, "M-2", "06 12 34 56 78").await;
    let response = place(&c, order_id).await;
    assert_eq!(response.status(), 502);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("may still be placed"));
    assert_eq!(only_call(&c, order_id).await.status, "queued");

    // Act: Twilio's callback, to the URL it was given.
    let form = c.fake.last_form("/Calls.json");
    let url = &form.iter().find(|(k, _)| k == "StatusCallback").unwrap().1;
    let sid = format!("CA{:032x}", 1);
    let status = send_status_callback(url, &owned(&status_params(&sid, "ringing", "1"))).await;

    // Assert
    assert_eq!(status, 204);
    let call = only_call(&c, order_id).await;
    assert_eq!(call.status, "ringing");
    assert_eq!(call.call_sid, Some(sid));
}

#[tokio::test]
async fn a_callback_naming_another_call_s_sid_changes_nothing() {
    // Arrange: two calls on one order, SIDs 1 and 2.
    let c = call_app().await;
    let order_id = create_order(&c.app, "M-3", "06 12 34 56 78").await;
    let first: Value = place(&c, order_id).await.json().await.unwrap();
    assert_eq!(place(&c, order_id).await.status(), 200);
    let second_sid = format!("CA{:032x}", 2);

    // Act: the first call's URL with the second call's SID.
    let url = format!(
        "{}/api/v1/orders/{order_id}/twilio-status?call={}",
        c.app.address, first["id"]
    );
    let params = owned(&status_params(&second_sid, "in-progress", "2"));
    let status = send_status_callback(&url, &params).await;

    // Assert
    assert_eq!(status, 404);
    let rows = calls::Entity::find().all(&c.app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "queued"), "{rows:?}");
}
