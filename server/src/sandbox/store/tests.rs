//! Unit tests of the store: timestamps, JSON shape, inbox and events.

use super::*;
use crate::sandbox::callbacks::HttpMethod;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";

fn params() -> CallParams {
    CallParams {
        instructions: CallInstructions::Url {
            url: "https://desk.example/voice".into(),
            method: HttpMethod::Post,
        },
        fallback: None,
        status_callback: None,
        status_callback_events: vec![CallbackEvent::Completed],
        status_callback_method: HttpMethod::Post,
        timeout_seconds: 60,
        time_limit_seconds: None,
        machine_detection: None,
        async_amd: false,
        async_amd_status_callback: None,
        send_digits: None,
        raw: vec![],
    }
}

fn message(to: &str, status: MessageStatus, direction: MessageDirection) -> Message {
    let now = Utc::now();
    Message {
        sid: new_sid("SM"),
        account_sid: ACCOUNT.into(),
        to: to.into(),
        from: "+12015550142".into(),
        body: "hello".into(),
        status,
        direction,
        error_code: None,
        error_message: None,
        num_segments: 1,
        messaging_service_sid: None,
        status_callback: None,
        date_created: now,
        date_updated: now,
        date_sent: None,
    }
}

#[test]
fn dates_are_written_as_twilio_writes_them() {
    let at = DateTime::parse_from_rfc3339("2010-08-31T20:36:28Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(rfc2822(at), "Tue, 31 Aug 2010 20:36:28 +0000");
    let at = DateTime::parse_from_rfc3339("2026-03-01T05:04:03Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(rfc2822(at), "Sun, 01 Mar 2026 05:04:03 +0000");
}

#[test]
fn a_new_call_is_queued_with_twilios_json_shape() {
    let store = SandboxStore::new(ACCOUNT);
    let call = store.create_call("+33612345678", "+12015550142", params());
    let json = call.to_json();
    assert!(call.sid.starts_with("CA") && call.sid.len() == 34);
    assert_eq!(json["status"], "queued");
    assert_eq!(json["direction"], "outbound-api");
    assert_eq!(json["api_version"], "2010-04-01");
    assert_eq!(json["duration"], serde_json::Value::Null);
    assert_eq!(json["start_time"], serde_json::Value::Null);
    assert_eq!(json["from_formatted"], "(201) 555-0142");
    assert_eq!(json["to_formatted"], "+33612345678");
    assert_eq!(
        json["uri"],
        format!("/2010-04-01/Accounts/{ACCOUNT}/Calls/{}.json", call.sid)
    );
    assert_eq!(
        json["subresource_uris"]["streams"],
        format!(
            "/2010-04-01/Accounts/{ACCOUNT}/Calls/{}/Streams.json",
            call.sid
        )
    );
    assert!(DateTime::parse_from_rfc2822(json["date_created"].as_str().unwrap()).is_ok());
}

#[test]
fn a_call_keeps_start_answer_and_end_times_and_a_terminal_status_sticks() {
    let store = SandboxStore::new(ACCOUNT);
    let mut call = store.create_call("+33612345678", "+12015550142", params());
    let t0 = call.date_created;
    assert!(call.transition(CallStatus::Ringing, t0 + chrono::Duration::seconds(1)));
    assert!(call.transition(CallStatus::InProgress, t0 + chrono::Duration::seconds(5)));
    assert!(call.transition(CallStatus::Completed, t0 + chrono::Duration::seconds(47)));
    assert_eq!(call.start_time, Some(t0 + chrono::Duration::seconds(1)));
    assert_eq!(call.duration_seconds(), Some(42));
    assert_eq!(call.to_json()["duration"], "42");
    assert!(!call.transition(CallStatus::InProgress, t0 + chrono::Duration::seconds(50)));
    assert_eq!(call.status, CallStatus::Completed);
}

#[test]
fn an_unanswered_call_has_no_duration() {
    let store = SandboxStore::new(ACCOUNT);
    let call = store.create_call("+33612345678", "+12015550142", params());
    store.set_call_status(&call.sid, CallStatus::Ringing);
    let (ended, changed) = store
        .set_call_status(&call.sid, CallStatus::NoAnswer)
        .unwrap();
    assert!(changed);
    assert_eq!(ended.to_json()["status"], "no-answer");
    assert_eq!(ended.to_json()["duration"], serde_json::Value::Null);
    assert!(ended.end_time.is_some());
    assert!(store
        .set_call_status("CAnope", CallStatus::Ringing)
        .is_none());
}

#[test]
fn lists_are_newest_first() {
    let store = SandboxStore::new(ACCOUNT);
    let first = store.create_call("+33612345678", "+12015550142", params());
    let second = store.create_call("+33612345679", "+12015550142", params());
    let sids: Vec<String> = store.calls().into_iter().map(|c| c.sid).collect();
    assert_eq!(sids, vec![second.sid, first.sid]);
}

#[test]
fn a_message_renders_twilios_fields() {
    let m = message(
        "+33612345678",
        MessageStatus::Queued,
        MessageDirection::OutboundApi,
    );
    let json = m.to_json();
    assert_eq!(json["status"], "queued");
    assert_eq!(json["num_segments"], "1");
    assert_eq!(json["num_media"], "0");
    assert_eq!(json["direction"], "outbound-api");
    assert_eq!(json["error_code"], serde_json::Value::Null);
    assert_eq!(json["messaging_service_sid"], serde_json::Value::Null);
    assert_eq!(
        json["subresource_uris"]["media"],
        format!(
            "/2010-04-01/Accounts/{ACCOUNT}/Messages/{}/Media.json",
            m.sid
        )
    );
}

#[test]
fn the_inbox_holds_delivered_texts_and_the_phones_own_in_order() {
    let store = SandboxStore::new(ACCOUNT);
    let phone = "+33612345678";
    let delivered = message(
        phone,
        MessageStatus::Delivered,
        MessageDirection::OutboundApi,
    );
    let pending = message(phone, MessageStatus::Sent, MessageDirection::OutboundApi);
    let other = message(
        "+33699999999",
        MessageStatus::Delivered,
        MessageDirection::OutboundApi,
    );
    let mut reply = message(
        "+12015550142",
        MessageStatus::Received,
        MessageDirection::Inbound,
    );
    reply.from = phone.into();
    for m in [&delivered, &pending, &other, &reply] {
        store.insert_message(m.clone());
    }
    let inbox = store.inbox(phone);
    let sids: Vec<&str> = inbox.iter().map(|v| v.sid.as_str()).collect();
    assert_eq!(sids, vec![delivered.sid.as_str(), reply.sid.as_str()]);
    assert_eq!(inbox[0].direction, PhoneDirection::ToPhone);
    assert_eq!(inbox[1].direction, PhoneDirection::FromPhone);
    assert_eq!(inbox[1].peer, "+12015550142");
}

#[tokio::test]
async fn subscribers_receive_published_events() {
    let store = SandboxStore::new(ACCOUNT);
    let mut events = store.subscribe();
    let event = PhoneEvent::MessageStatus {
        number: "+33612345678".into(),
        sid: "SM1".into(),
        status: MessageStatus::Sent,
        error_code: None,
    };
    store.publish(event.clone());
    assert_eq!(events.recv().await.unwrap(), event);
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "message_status");
    assert_eq!(json["status"], "sent");
}

#[test]
fn opt_outs_are_remembered_until_start() {
    let store = SandboxStore::new(ACCOUNT);
    store.set_opted_out("+33612345678", true);
    assert!(store.is_opted_out("+33612345678"));
    store.set_opted_out("+33612345678", false);
    assert!(!store.is_opted_out("+33612345678"));
}
