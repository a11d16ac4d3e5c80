//! How a bridge ends, and what it measured.

use super::*;

#[tokio::test]
async fn a_provider_failure_or_drop_ends_the_bridge_with_the_reason() {
    let h = start(config());
    h.agent(ProviderEvent::Failed(ProviderFailure::Closed(
        "1011 overloaded".into(),
    )))
    .await;
    match h.end().await.end {
        CallEnd::ProviderFailed(reason) => assert!(reason.contains("1011 overloaded")),
        other => panic!("{other:?}"),
    }
    let Harness {
        agent,
        bridge,
        twilio_in,
        ..
    } = start(config());
    drop(agent);
    let end = tokio::time::timeout(Duration::from_secs(5), bridge)
        .await
        .unwrap()
        .unwrap()
        .end;
    assert!(matches!(end, CallEnd::ProviderFailed(_)));
    drop(twilio_in);
}

#[tokio::test]
async fn staff_hang_up_and_a_closed_socket_end_the_bridge() {
    let mut h = start(config());
    h.hangup.take().unwrap().send(()).unwrap();
    assert_eq!(h.end().await.end, CallEnd::StaffHungUp);
    let Harness {
        twilio_in, bridge, ..
    } = start(config());
    drop(twilio_in);
    let end = tokio::time::timeout(Duration::from_secs(5), bridge)
        .await
        .unwrap()
        .unwrap()
        .end;
    assert_eq!(end, CallEnd::Stopped);
}

#[tokio::test(start_paused = true)]
async fn the_maximum_length_and_silence_end_the_bridge() {
    let mut short = config();
    short.max_length = Duration::from_secs(2);
    let h = start(short);
    let feeder = tokio::spawn({
        let tx = h.twilio_in.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = tx.send(mark("unknown"));
            }
        }
    });
    let mut h = h;
    let end = tokio::time::timeout(Duration::from_secs(10), &mut h.bridge).await;
    feeder.abort();
    assert_eq!(end.unwrap().unwrap().end, CallEnd::MaxLength);

    let h = start(config());
    assert_eq!(h.end_paused().await, CallEnd::Idle);
}

#[test]
fn the_median_latency_is_the_middle_reply() {
    let outcome = |latencies_ms: Vec<u32>| Outcome {
        end: CallEnd::Stopped,
        latencies_ms,
        agent_audio_ms: 0,
    };
    assert_eq!(outcome(vec![]).median_latency_ms(), None);
    assert_eq!(outcome(vec![900, 300, 500]).median_latency_ms(), Some(500));
    assert_eq!(outcome(vec![400, 200]).median_latency_ms(), Some(200));
}
