//! The status writer's batches: one bad update (here a SID that already belongs to another call,
//! refused by the unique constraint) fails alone; the rest of its batch is applied.

use super::{call_app, create_order, place};
use crate::fakes::CreateMode;
use app::api::CallStatus;
use chrono::Utc;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::Value;
use server::calls::writer::{record, Outcome, StatusUpdate};
use server::db::entities::calls;

fn update(order_id: i32, call_id: i32, sid: &str, status: CallStatus, seq: i32) -> StatusUpdate {
    StatusUpdate {
        order_id,
        call_id: Some(call_id),
        call_sid: Some(sid.to_owned()),
        status,
        sequence: Some(seq),
        at: Utc::now(),
        details: Default::default(),
    }
}

#[tokio::test]
async fn a_bad_update_fails_alone_and_the_rest_of_its_batch_is_applied() {
    // Arrange: call A has SID 1; call B's answer was lost, so it has none.
    let c = call_app().await;
    let order_id = create_order(&c.app, "W-1", "06 12 34 56 78").await;
    let a: Value = place(&c, order_id).await.json().await.unwrap();
    *c.fake.create_mode.lock().unwrap() = CreateMode::LoseAnswer;
    assert_eq!(place(&c, order_id).await.status(), 502);
    let rows = calls::Entity::find()
        .order_by_asc(calls::Column::Id)
        .all(&c.app.db)
        .await
        .unwrap();
    let (a_id, b_id) = (a["id"].as_i64().unwrap() as i32, rows[1].id);
    assert_eq!(rows[1].call_sid, None);
    let sid_a = format!("CA{:032x}", 1);
    let order = order_id as i32;
    let batch = [
        update(order, a_id, &sid_a, CallStatus::Ringing, 1),
        // B claims A's SID: the unique constraint refuses it, failing the batch's transaction.
        update(order, b_id, &sid_a, CallStatus::Ringing, 1),
        update(order, a_id, &sid_a, CallStatus::InProgress, 2),
    ];

    // Act
    let hub = server::realtime::Hub::new(c.app.db.clone());
    let replies = record(&c.app.db, &hub, &batch).await;

    // Assert
    assert_eq!(replies[0], Ok(Outcome::Applied));
    assert!(replies[1].is_err(), "{replies:?}");
    assert_eq!(replies[2], Ok(Outcome::Applied));
    let rows = calls::Entity::find()
        .order_by_asc(calls::Column::Id)
        .all(&c.app.db)
        .await
        .unwrap();
    assert_eq!(rows[0].status, "in-progress");
    assert_eq!(
        (rows[1].status.as_str(), &rows[1].call_sid),
        ("queued", &None)
    );
}
