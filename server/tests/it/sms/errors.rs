//! The outbox's answers to Twilio's refusals and failures: invalid messages fail at once with
//! the reason (and 21610 suppresses the number), 429 waits for Retry-After, and a 500 or a lost
//! answer is resolved by looking the message up, so nothing Twilio accepted is posted twice.

use super::{send, sms_app, texts_until};
use crate::calls::create_order;
use crate::fake_messages::Answer;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_invalid_number_fails_at_once_with_the_reason() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::Refuse(400, 21211, None));
    let order = create_order(&app.app, "ERR-1", "+33612345678").await;
    send(&app, order, "Hello").await;
    let texts = texts_until(&app, order, "failed", |t| t[0]["status"] == "failed").await;
    let error = texts[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("21211") && error.contains("not valid"),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.fake.sms.posts().len(), 1, "a 4xx is never retried");
}

#[tokio::test]
async fn an_opted_out_number_is_suppressed_and_refused_afterwards() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::Refuse(400, 21610, None));
    let order = create_order(&app.app, "ERR-2", "+33612345678").await;
    send(&app, order, "Hello").await;
    let texts = texts_until(&app, order, "failed", |t| t[0]["status"] == "failed").await;
    assert!(texts[0]["error"]
        .as_str()
        .unwrap_or_default()
        .contains("21610"));
    let (status, answer) = send(&app, order, "Hello again").await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("opted out"), "{answer}");
    assert_eq!(app.fake.sms.posts().len(), 1);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_then_sends() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::Refuse(429, 20429, Some(1)));
    let order = create_order(&app.app, "ERR-3", "+33612345678").await;
    let started = Instant::now();
    send(&app, order, "Hello").await;
    texts_until(&app, order, "queued", |t| t[0]["status"] == "queued").await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(app.fake.sms.posts().len(), 2);
    assert_eq!(app.fake.sms.created().len(), 1);
}

#[tokio::test]
async fn a_server_error_is_looked_up_then_sent_once() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::Refuse(500, 20500, None));
    let order = create_order(&app.app, "ERR-4", "+33612345678").await;
    send(&app, order, "Hello").await;
    let texts = texts_until(&app, order, "queued", |t| t[0]["status"] == "queued").await;
    assert_eq!(
        app.fake.sms.posts().len(),
        2,
        "posted again after the look-up found nothing"
    );
    assert_eq!(app.fake.sms.created().len(), 1);
    assert_eq!(texts.len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_resolved_by_looking_the_message_up_not_by_resending() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::AcceptButLose);
    let order = create_order(&app.app, "ERR-5", "+33612345678").await;
    send(&app, order, "Hello").await;
    let texts = texts_until(&app, order, "queued", |t| t[0]["status"] == "queued").await;
    assert_eq!(app.fake.sms.posts().len(), 1, "never posted twice");
    let created = app.fake.sms.created();
    assert_eq!(created.len(), 1);
    let id = i32::try_from(texts[0]["id"].as_i64().unwrap()).unwrap();
    let row = server::db::repo::sms::find(&app.app.db, id).await.unwrap();
    let sid = row.and_then(|row| row.sid);
    assert_eq!(sid.as_deref(), created[0]["sid"].as_str());
}

#[tokio::test]
async fn a_status_callback_that_overtakes_twilios_answer_still_counts() {
    let app = sms_app().await;
    app.fake.sms.then(Answer::CallbackFirst);
    let order = create_order(&app.app, "ERR-6", "+33612345678").await;
    send(&app, order, "Hello").await;
    let texts = texts_until(&app, order, "sent", |t| t[0]["status"] == "sent").await;
    assert_eq!(*app.fake.sms.early_callbacks.lock().unwrap(), vec![204]);
    let id = i32::try_from(texts[0]["id"].as_i64().unwrap()).unwrap();
    let row = server::db::repo::sms::find(&app.app.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.sid.as_deref(),
        app.fake.sms.created()[0]["sid"].as_str()
    );
    assert_eq!(app.fake.sms.posts().len(), 1);
}
