//! Bulk sends from the orders list: each message rendered for its own order from the template,
//! orders without a usable number or opted out skipped with the reason, the preview writes
//! nothing, progress counts, cancelling leaves the rest unsent.

use super::sms_app;
use crate::calls::{create_order, CallApp};
use serde_json::Value;
use std::time::Duration;

async fn default_template(app: &CallApp) -> i64 {
    let templates: Value = app
        .app
        .call("sms/templates", &[])
        .await
        .json()
        .await
        .unwrap();
    let list = templates.as_array().unwrap();
    assert_eq!(list.len(), 2, "two templates at first start");
    assert_eq!(list[0]["is_default"], true);
    assert_eq!(list[0]["language"], "fr");
    list[0]["id"].as_i64().unwrap()
}

async fn bulk(app: &CallApp, orders: &[i64], template: i64, confirm: bool) -> Value {
    let ids: Vec<String> = orders.iter().map(i64::to_string).collect();
    let keys: Vec<String> = (0..ids.len())
        .map(|i| format!("selection[order_ids][{i}]"))
        .collect();
    let template = template.to_string();
    let mut form: Vec<(&str, &str)> = keys
        .iter()
        .map(String::as_str)
        .zip(ids.iter().map(String::as_str))
        .collect();
    form.push(("selection[all_matching]", "false"));
    form.push(("selection[search]", ""));
    form.push(("template_id", &template));
    form.push(("confirm", if confirm { "true" } else { "false" }));
    let response = app.app.call("sms/bulk", &form).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn each_order_gets_its_own_message_and_unreachable_ones_are_skipped() {
    let app = sms_app().await;
    let template = default_template(&app).await;
    let a = create_order(&app.app, "BULK-A", "+33612345671").await;
    let b = create_order(&app.app, "BULK-B", "+33612345672").await;
    let c = create_order(&app.app, "BULK-C", "+33612345673").await;
    server::db::repo::sms::suppress(&app.app.db, "+33612345673", "replied STOP")
        .await
        .unwrap();
    let preview = bulk(&app, &[a, b, c], template, false).await;
    assert_eq!(preview["count"], 2);
    assert_eq!(preview["batch_id"], Value::Null);
    assert_eq!(preview["skipped"][0]["order_number"], "BULK-C");
    assert!(preview["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("opted out"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.fake.sms.posts().is_empty(), "a preview sends nothing");
    let sent = bulk(&app, &[a, b, c], template, true).await;
    let batch = sent["batch_id"].as_i64().expect("a batch");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.fake.sms.created().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "bulk not sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bodies: Vec<String> = app
        .fake
        .sms
        .created()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("BULK-A")) && bodies.iter().any(|b| b.contains("BULK-B")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| b.contains("Marie Curie") && !b.contains('{')),
        "{bodies:?}"
    );
    let progress: Value = app
        .app
        .call("sms/progress", &[("batch_id", &batch.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["total"], 2);
}

#[tokio::test]
async fn cancelling_leaves_what_was_not_sent_unsent() {
    let app = sms_app().await;
    let template = default_template(&app).await;
    *app.fake.sms.delay.lock().unwrap() = Some(Duration::from_millis(300));
    let mut orders = Vec::new();
    for i in 0..6 {
        orders.push(create_order(&app.app, &format!("CAN-{i}"), &format!("+3361234560{i}")).await);
    }
    let sent = bulk(&app, &orders, template, true).await;
    let batch = sent["batch_id"].as_i64().unwrap().to_string();
    while app.fake.sms.posts().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let progress: Value = app
        .app
        .call("sms/cancel", &[("batch_id", &batch)])
        .await
        .json()
        .await
        .unwrap();
    assert!(progress["cancelled"].as_u64().unwrap() >= 4, "{progress}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let posted = app.fake.sms.posts().len() as u64;
    let progress: Value = app
        .app
        .call("sms/progress", &[("batch_id", &batch)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        progress["cancelled"].as_u64().unwrap() + posted,
        6,
        "{progress}"
    );
    assert_eq!(progress["pending"], 0);
}
