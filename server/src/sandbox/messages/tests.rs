//! Unit tests of the pure parts of the message lifecycle: the failure table and the forms.

use super::*;

fn message(status: MessageStatus, error: Option<u32>) -> Message {
    let now = Utc::now();
    Message {
        sid: "SM0123456789abcdef0123456789abcdef".into(),
        account_sid: "AC0123456789abcdef0123456789abcdef".into(),
        to: "+33612340000".into(),
        from: "+12015550142".into(),
        body: "Votre commande arrive".into(),
        status,
        direction: MessageDirection::OutboundApi,
        error_code: error,
        error_message: error.map(|_| "Unreachable destination handset".to_owned()),
        num_segments: 1,
        messaging_service_sid: None,
        status_callback: None,
        date_created: now,
        date_updated: now,
        date_sent: None,
    }
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn failure_numbers_are_found_by_their_ending() {
    assert_eq!(
        failure_for("+33612340000").map(|f| f.outcome),
        Some(FailureOutcome::Undelivered { code: 30003 })
    );
    assert_eq!(
        failure_for("+33612341111").map(|f| f.outcome),
        Some(FailureOutcome::Undelivered { code: 30006 })
    );
    assert_eq!(
        failure_for("+33612342222").map(|f| f.outcome),
        Some(FailureOutcome::Refused { code: 21610 })
    );
    assert_eq!(failure_for("+33612345678"), None);
}

#[test]
fn a_status_callback_carries_twilios_fields_and_the_error_only_on_failure() {
    let sent = status_callback_params(&message(MessageStatus::Sent, None));
    assert_eq!(get(&sent, "MessageStatus"), Some("sent"));
    assert_eq!(get(&sent, "SmsStatus"), Some("sent"));
    assert_eq!(get(&sent, "MessageSid"), get(&sent, "SmsSid"));
    assert_eq!(get(&sent, "ApiVersion"), Some("2010-04-01"));
    assert_eq!(get(&sent, "ErrorCode"), None);
    assert_eq!(get(&sent, "RawDlrDoneDate"), None);

    let failed = status_callback_params(&message(MessageStatus::Undelivered, Some(30003)));
    assert_eq!(get(&failed, "MessageStatus"), Some("undelivered"));
    assert_eq!(get(&failed, "ErrorCode"), Some("30003"));
    assert_eq!(get(&failed, "RawDlrDoneDate").map(str::len), Some(10));
}

#[test]
fn an_inbound_text_is_posted_with_twilios_inbound_fields() {
    let mut reply = message(MessageStatus::Received, None);
    reply.direction = MessageDirection::Inbound;
    reply.body = "STOP".into();
    let params = inbound_params(&reply);
    for name in ["MessageSid", "SmsSid", "SmsMessageSid"] {
        assert_eq!(get(&params, name), Some(reply.sid.as_str()), "{name}");
    }
    assert_eq!(get(&params, "Body"), Some("STOP"));
    assert_eq!(get(&params, "NumMedia"), Some("0"));
    assert_eq!(get(&params, "NumSegments"), Some("1"));
    assert_eq!(get(&params, "SmsStatus"), Some("received"));
    assert_eq!(get(&params, "From"), Some(reply.from.as_str()));
}

#[tokio::test]
async fn an_opted_out_number_is_refused_with_21610_and_start_lifts_it() {
    let store = SandboxStore::new("AC0123456789abcdef0123456789abcdef");
    let poster = SignedPoster::new(
        reqwest::Client::new(),
        secrecy::SecretString::from("token".to_owned()),
    );
    let messages = SandboxMessages::new(store.clone(), poster, LifecycleDelays::default());
    let new = |to: &str| NewMessage {
        to: to.into(),
        from: "+12015550142".into(),
        messaging_service_sid: None,
        body: "hello".into(),
        status_callback: None,
    };
    assert_eq!(messages.send(new("+33612342222")).unwrap_err().code, 21610);
    store.set_opted_out("+33612345678", true);
    assert_eq!(messages.send(new("+33612345678")).unwrap_err().code, 21610);
    store.set_opted_out("+33612345678", false);
    let sent = messages.send(new("+33612345678")).unwrap();
    assert_eq!(sent.status, MessageStatus::Queued);
    assert_eq!(
        store.message(&sent.sid).unwrap().status,
        MessageStatus::Queued
    );
}
