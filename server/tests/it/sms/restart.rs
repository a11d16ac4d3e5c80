//! A bulk send survives the process being killed (SIGKILL, not a clean stop) in the middle:
//! after a restart every text is sent, none twice. The real `orderline` binary runs as a child
//! process against the fake Twilio, whose Messages resource creates each message before it
//! answers (slowly), so the kill lands between Twilio creating a message and the server
//! recording it: the restart must find that one by looking it up, not post it again.

use crate::fakes;
use crate::processes::{free_port, signed_in, start};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

const ORDERS: usize = 30;

/// Creates `count` orders through `base` and queues one text to each (a bulk send).
pub(super) async fn bulk_send(base: &str, prefix: &str, count: usize) {
    let client = signed_in(base).await;
    let mut form: Vec<(String, String)> = Vec::new();
    for i in 0..count {
        let order: Value = client
            .post(format!("{base}/api/orders/save"))
            .form(&[
                ("input[number]", format!("{prefix}-{i:03}")),
                ("input[customer_name]", "Marie Curie".to_owned()),
                ("input[customer_phone]", format!("+3361234{i:04}")),
                ("input[delivery_address]", "1 rue Curie, Paris".to_owned()),
                ("input[items]", "1 x Pizza @ 10".to_owned()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        form.push((
            format!("selection[order_ids][{i}]"),
            order["id"].to_string(),
        ));
    }
    let templates: Value = client
        .post(format!("{base}/api/sms/templates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    form.push(("template_id".into(), templates[0]["id"].to_string()));
    form.push(("confirm".into(), "true".into()));
    let queued: Value = client
        .post(format!("{base}/api/sms/bulk"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queued["count"], count);
}

/// Waits until every stored text has a SID (Twilio took it); fails after `patience`.
pub(super) async fn all_sent(database_url: &str, count: usize, patience: Duration) {
    let db = sea_orm::Database::connect(database_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let rows = <server::db::entities::sms_messages::Entity as sea_orm::EntityTrait>::find()
            .all(&db)
            .await
            .unwrap();
        if rows.len() == count && rows.iter().all(|r| r.sid.is_some()) {
            let sids: HashSet<_> = rows.iter().filter_map(|r| r.sid.clone()).collect();
            assert_eq!(sids.len(), count, "one SID per text");
            return;
        }
        let sent = rows.iter().filter(|r| r.sid.is_some()).count();
        assert!(
            tokio::time::Instant::now() < deadline,
            "{sent} of {count} sent in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_kill_in_the_middle_of_a_bulk_send_loses_and_doubles_nothing() {
    let (twilio, fake) = fakes::twilio().await;
    *fake.sms.delay.lock().unwrap() = Some(Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::test_database_url(dir.path()).await;
    let port = free_port();
    let mut server = start(&database_url, dir.path(), &twilio, port, &[]).await;
    bulk_send(&server.base, "KILL", ORDERS).await;

    // Kill it while a request is in flight, a third of the way in.
    while fake.sms.posts().len() < ORDERS / 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    let before_restart = fake.sms.created().len();
    assert!(before_restart < ORDERS, "killed before the end");

    let mut server = start(&database_url, dir.path(), &twilio, port, &[]).await;
    all_sent(&database_url, ORDERS, Duration::from_secs(60)).await;
    server.child.kill().ok();
    server.child.wait().ok();
    let created = fake.sms.created();
    assert_eq!(
        created.len(),
        ORDERS,
        "Twilio received each text exactly once"
    );
    let recipients: HashSet<_> = created.iter().map(|m| m["to"].to_string()).collect();
    assert_eq!(recipients.len(), ORDERS, "nobody got two");
}
