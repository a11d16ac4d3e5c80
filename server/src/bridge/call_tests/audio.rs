//! Audio both ways, marks and barge-in.

use super::*;

#[tokio::test]
async fn caller_audio_goes_to_the_agent_and_agent_audio_comes_back_as_frames_and_a_mark() {
    let mut h = start(config());
    let loud: Vec<u8> = (0..160)
        .map(|i| if i % 2 == 0 { 0x80 } else { 0x00 })
        .collect();
    h.twilio(&media(&loud)).await;
    let ProviderCommand::Encoded(append) = h.command().await else {
        panic!("caller audio is sent as an encoded provider message")
    };
    let append: Value = serde_json::from_str(&append).unwrap();
    assert_eq!(append["type"], "input_audio_buffer.append");
    assert_eq!(
        BASE64.decode(append["audio"].as_str().unwrap()).unwrap(),
        loud
    );

    let said: Vec<u8> = (0..320).map(|i| i as u8).collect();
    h.agent(agent_audio("item_1", &said)).await;
    let mut heard = Vec::new();
    for _ in 0..2 {
        let frame = h.sent().await;
        assert_eq!(frame["event"], "media");
        assert_eq!(frame["streamSid"], SID);
        heard.extend(
            BASE64
                .decode(frame["media"]["payload"].as_str().unwrap())
                .unwrap(),
        );
    }
    assert_eq!(
        heard, said,
        "the agent's audio reaches Twilio unchanged, in 20 ms frames"
    );
    assert_eq!(h.sent().await["event"], "mark");

    h.twilio(STOP).await;
    let outcome = h.end().await;
    assert_eq!(outcome.end, CallEnd::Stopped);
    assert_eq!(
        outcome.latencies_ms.len(),
        1,
        "one reply after the caller spoke"
    );
    assert_eq!(outcome.agent_audio_ms, 40);
}

#[tokio::test]
async fn malformed_and_unknown_twilio_messages_are_skipped() {
    let mut h = start(config());
    for junk in [
        "not json",
        r#"{"event":"new"}"#,
        r#"{"event":"media"}"#,
        "{}",
    ] {
        h.twilio(junk).await;
    }
    h.twilio(r#"{"event":"dtmf","streamSid":"MZ1","dtmf":{"track":"inbound_track","digit":"5"}}"#)
        .await;
    h.twilio(&media(&[0xFF; 160])).await;
    assert!(matches!(h.command().await, ProviderCommand::Encoded(_)));
    h.twilio(STOP).await;
    assert_eq!(h.end().await.end, CallEnd::Stopped);
}

#[tokio::test]
async fn barge_in_clears_twilio_then_truncates_at_what_was_heard_and_drops_late_audio() {
    let mut h = start(config());
    let first = h.play("item_1", 3).await; // 60 ms
    let _second = h.play("item_1", 2).await; // 100 ms
    h.twilio(&mark(&first)).await; // the caller heard 60 ms
    h.agent(ProviderEvent::SpeechStarted).await;
    assert_eq!(h.sent().await, json!({"event": "clear", "streamSid": SID}));
    assert_eq!(
        h.command().await,
        ProviderCommand::Truncate {
            item_id: "item_1".into(),
            audio_end_ms: 60
        }
    );
    // Late audio of the interrupted item is dropped; the next item plays.
    h.agent(agent_audio("item_1", &[0x20; 160])).await;
    let next = h.play("item_2", 1).await;
    assert!(!next.is_empty());
    h.twilio(STOP).await;
    assert_eq!(
        h.end().await.agent_audio_ms,
        120,
        "5 frames, then 1: the late one was dropped"
    );
}

#[tokio::test]
async fn marks_echoed_by_a_clear_do_not_count_as_heard() {
    let mut h = start(config());
    let first = h.play("item_1", 2).await;
    h.agent(ProviderEvent::SpeechStarted).await;
    assert_eq!(h.sent().await["event"], "clear");
    // Nothing had played: truncated at 0.
    assert_eq!(
        h.command().await,
        ProviderCommand::Truncate {
            item_id: "item_1".into(),
            audio_end_ms: 0
        }
    );
    // Twilio now echoes the cleared mark: it changes nothing, and a new item starts from 0.
    h.twilio(&mark(&first)).await;
    let second = h.play("item_2", 1).await;
    h.agent(ProviderEvent::SpeechStarted).await;
    assert_eq!(h.sent().await["event"], "clear");
    assert_eq!(
        h.command().await,
        ProviderCommand::Truncate {
            item_id: "item_2".into(),
            audio_end_ms: 0
        }
    );
    assert!(!second.is_empty());
    h.twilio(STOP).await;
    h.end().await;
}

#[tokio::test]
async fn a_barge_in_with_everything_played_sends_nothing() {
    let mut h = start(config());
    let name = h.play("item_1", 1).await;
    h.twilio(&mark(&name)).await;
    h.agent(ProviderEvent::SpeechStarted).await;
    h.twilio(STOP).await;
    let Harness {
        mut twilio_out,
        mut commands,
        bridge,
        ..
    } = h;
    bridge.await.unwrap();
    assert!(twilio_out.try_recv().is_err(), "no clear");
    assert!(commands.try_recv().is_err(), "no truncate");
}

#[tokio::test]
async fn gemini_interruptions_clear_twilio_without_truncating() {
    let mut h = start_with(
        config(),
        Direction::TwilioToGemini,
        Direction::GeminiToTwilio,
    );
    let pcm24k: Vec<u8> = std::iter::repeat_n([0x00, 0x10], 480 * 2)
        .flatten()
        .collect();
    let message = format!(
        r#"{{"serverContent":{{"modelTurn":{{"parts":[{{"inlineData":{{"mimeType":"audio/pcm;rate=24000","data":"{}"}}}}]}}}}}}"#,
        BASE64.encode(&pcm24k)
    );
    h.agent(ProviderEvent::Audio {
        item_id: None,
        message,
    })
    .await;
    assert_eq!(h.sent().await["event"], "media");
    // (the rest of the frames and the mark follow; skip to the interruption)
    h.agent(ProviderEvent::Interrupted).await;
    loop {
        if h.sent().await["event"] == "clear" {
            break;
        }
    }
    h.twilio(STOP).await;
    let Harness {
        mut commands,
        bridge,
        ..
    } = h;
    bridge.await.unwrap();
    while let Ok(command) = commands.try_recv() {
        assert!(!matches!(command, ProviderCommand::Truncate { .. }));
    }
}
