//! The bridge loop driven through channels: a scripted Twilio socket on one side, a scripted
//! provider session on the other.

use super::*;
use crate::bridge::{Direction, OpenAiAudio};
use crate::providers::session::{AudioFormat, ProviderCommand, ProviderFailure};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const SID: &str = "MZ1";

/// Records what the bridge asked of the rest of the server.
#[derive(Clone, Default)]
struct Recorder {
    lines: Arc<Mutex<Vec<(Speaker, String, bool)>>>,
    tools: Arc<Mutex<Vec<(Tool, Value)>>>,
    usage: Arc<Mutex<Vec<Usage>>>,
}

#[async_trait::async_trait]
impl CallEffects for Recorder {
    async fn transcript(&mut self, speaker: Speaker, text: &str, done: bool) {
        self.lines
            .lock()
            .unwrap()
            .push((speaker, text.into(), done));
    }
    async fn run_tool(&mut self, tool: Tool, arguments: &Value) -> Value {
        self.tools.lock().unwrap().push((tool, arguments.clone()));
        match tool {
            Tool::AddDeliveryNote if arguments.get("note").is_none() => {
                json!({"error": "a note is needed"})
            }
            _ => json!({"ok": true}),
        }
    }
    async fn usage(&mut self, usage: Usage) {
        self.usage.lock().unwrap().push(usage);
    }
}

/// A running bridge and the far ends of its channels.
struct Harness {
    twilio_in: mpsc::UnboundedSender<String>,
    twilio_out: mpsc::UnboundedReceiver<String>,
    agent: mpsc::Sender<ProviderEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
    hangup: Option<tokio::sync::oneshot::Sender<()>>,
    recorder: Recorder,
    bridge: JoinHandle<Outcome>,
}

fn config() -> BridgeConfig {
    BridgeConfig {
        stream_sid: SID.into(),
        max_length: Duration::from_secs(300),
        idle: Duration::from_secs(30),
        goodbye_wait: Duration::from_secs(10),
    }
}

/// A bridge to an OpenAI session in `audio/pcmu` (audio passes through, easy to follow).
fn start(config: BridgeConfig) -> Harness {
    start_with(config, Direction::TwilioToOpenAi, Direction::OpenAiToTwilio)
}

fn start_with(config: BridgeConfig, up: Direction, down: Direction) -> Harness {
    let (twilio_in, in_rx) = mpsc::unbounded_channel::<String>();
    let (out_tx, twilio_out) = mpsc::unbounded_channel::<String>();
    let (command_tx, commands) = mpsc::channel(64);
    let (agent, event_rx) = mpsc::channel(64);
    let (hangup_tx, hangup_rx) = tokio::sync::oneshot::channel::<()>();
    let recorder = Recorder::default();
    let effects = recorder.clone();
    let bridge = tokio::spawn(async move {
        let mut in_rx = in_rx;
        let incoming = futures_util::stream::poll_fn(move |cx| in_rx.poll_recv(cx));
        let outgoing = futures_util::sink::unfold(out_tx, |tx, text: String| async move {
            let _ = tx.send(text);
            Ok::<_, std::convert::Infallible>(tx)
        });
        let mut session = ProviderSession::from_channels(
            command_tx,
            event_rx,
            AudioFormat::Mulaw8k,
            AudioFormat::Mulaw8k,
        );
        let audio = CallAudio {
            uplink: Transcoder::new(up, OpenAiAudio::Pcmu, SID).unwrap(),
            downlink: Transcoder::new(down, OpenAiAudio::Pcmu, SID).unwrap(),
            capture: None,
        };
        let hangup = async {
            if hangup_rx.await.is_err() {
                std::future::pending::<()>().await
            }
        };
        run(
            &config,
            Box::pin(incoming),
            Box::pin(outgoing),
            &mut session,
            audio,
            effects,
            hangup,
        )
        .await
    });
    Harness {
        twilio_in,
        twilio_out,
        agent,
        commands,
        hangup: Some(hangup_tx),
        recorder,
        bridge,
    }
}

fn media(mulaw: &[u8]) -> String {
    format!(
        r#"{{"event":"media","sequenceNumber":"2","media":{{"track":"inbound","chunk":"1","timestamp":"20","payload":"{}"}},"streamSid":"{SID}"}}"#,
        BASE64.encode(mulaw)
    )
}

fn mark(name: &str) -> String {
    format!(
        r#"{{"event":"mark","sequenceNumber":"9","streamSid":"{SID}","mark":{{"name":"{name}"}}}}"#
    )
}

const STOP: &str = r#"{"event":"stop","sequenceNumber":"10","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#;

/// OpenAI audio of `item` (mu-law, 20 ms per 160 bytes).
fn agent_audio(item: &str, mulaw: &[u8]) -> ProviderEvent {
    let message = format!(
        r#"{{"type":"response.output_audio.delta","item_id":"{item}","delta":"{}"}}"#,
        BASE64.encode(mulaw)
    );
    ProviderEvent::Audio {
        item_id: Some(item.into()),
        message,
    }
}

impl Harness {
    async fn twilio(&self, text: &str) {
        self.twilio_in.send(text.to_owned()).unwrap();
    }

    async fn agent(&self, event: ProviderEvent) {
        self.agent.send(event).await.unwrap();
    }

    /// The next message to Twilio, parsed.
    async fn sent(&mut self) -> Value {
        let text = tokio::time::timeout(Duration::from_secs(5), self.twilio_out.recv())
            .await
            .expect("a message to Twilio")
            .expect("the bridge is running");
        serde_json::from_str(&text).unwrap()
    }

    /// The next command to the provider.
    async fn command(&mut self) -> ProviderCommand {
        tokio::time::timeout(Duration::from_secs(5), self.commands.recv())
            .await
            .expect("a command to the provider")
            .expect("the bridge is running")
    }

    async fn end(self) -> Outcome {
        tokio::time::timeout(Duration::from_secs(5), self.bridge)
            .await
            .expect("the bridge ends")
            .unwrap()
    }

    /// Plays `frames` frames of item `item` and returns the names of the marks sent after it.
    async fn play(&mut self, item: &str, frames: usize) -> String {
        self.agent(agent_audio(item, &vec![0x20; 160 * frames]))
            .await;
        for _ in 0..frames {
            assert_eq!(self.sent().await["event"], "media");
        }
        let mark = self.sent().await;
        assert_eq!(mark["event"], "mark");
        mark["mark"]["name"].as_str().unwrap().to_owned()
    }
}

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

#[tokio::test]
async fn tools_run_and_their_results_or_errors_go_back_to_the_model() {
    let mut h = start(config());
    let call = |id: &str, name: &str, arguments: Value| ProviderEvent::ToolCall {
        call_id: id.into(),
        name: name.into(),
        arguments,
    };
    h.agent(call(
        "c1",
        "add_delivery_note",
        json!({"note": "code 1234"}),
    ))
    .await;
    let ProviderCommand::ToolResult {
        call_id,
        output,
        respond,
        ..
    } = h.command().await
    else {
        panic!("a tool result")
    };
    assert_eq!(
        (call_id.as_str(), output, respond),
        ("c1", json!({"ok": true}), true)
    );
    h.agent(call("c2", "add_delivery_note", json!({}))).await;
    let ProviderCommand::ToolResult { output, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert_eq!(output, json!({"error": "a note is needed"}));
    h.agent(call("c3", "drop_tables", json!({}))).await;
    let ProviderCommand::ToolResult { output, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert!(output["error"].as_str().unwrap().contains("drop_tables"));
    h.twilio(STOP).await;
    let tools = h.recorder.tools.clone();
    assert_eq!(
        h.end().await.end,
        CallEnd::Stopped,
        "tool errors never end the call"
    );
    assert_eq!(
        tools.lock().unwrap().len(),
        2,
        "the unknown tool ran nothing"
    );
}

#[tokio::test]
async fn end_call_waits_for_the_goodbye_to_play() {
    let mut h = start(config());
    let goodbye = h.play("item_9", 2).await;
    h.agent(ProviderEvent::ToolCall {
        call_id: "c9".into(),
        name: "end_call".into(),
        arguments: json!({"reason": "done"}),
    })
    .await;
    let ProviderCommand::ToolResult { respond, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert!(!respond, "no new response after the goodbye");
    h.agent(ProviderEvent::ResponseDone).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!h.bridge.is_finished(), "the goodbye is still playing");
    h.twilio(&mark(&goodbye)).await;
    assert_eq!(h.end().await.end, CallEnd::AgentHungUp);
}

#[tokio::test(start_paused = true)]
async fn end_call_hangs_up_after_the_wait_if_the_mark_never_comes_back() {
    let mut h = start(config());
    h.play("item_9", 1).await;
    h.agent(ProviderEvent::ToolCall {
        call_id: "c9".into(),
        name: "end_call".into(),
        arguments: json!({}),
    })
    .await;
    h.command().await;
    // Twilio keeps the socket alive, but never echoes the mark.
    let feeder = tokio::spawn({
        let tx = h.twilio_in.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _ = tx.send(mark("unknown"));
            }
        }
    });
    let outcome = tokio::time::timeout(Duration::from_secs(60), &mut h.bridge).await;
    feeder.abort();
    assert_eq!(outcome.unwrap().unwrap().end, CallEnd::AgentHungUp);
}

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

impl Harness {
    async fn end_paused(self) -> CallEnd {
        tokio::time::timeout(Duration::from_secs(120), self.bridge)
            .await
            .expect("ends")
            .unwrap()
            .end
    }
}

#[tokio::test]
async fn transcripts_and_usage_reach_the_journal() {
    let h = start(config());
    h.agent(ProviderEvent::TranscriptDelta {
        speaker: Speaker::Caller,
        text: "Bon".into(),
    })
    .await;
    h.agent(ProviderEvent::TranscriptDone {
        speaker: Speaker::Caller,
        text: "Bonjour".into(),
    })
    .await;
    let usage = Usage {
        input_tokens: 3,
        output_tokens: 4,
        total_tokens: 7,
    };
    h.agent(ProviderEvent::Usage(usage)).await;
    let recorder = h.recorder.clone();
    // Twilio's messages are read first when both sides have some: wait for the journal.
    for _ in 0..500 {
        if !recorder.usage.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    h.twilio(STOP).await;
    h.end().await;
    assert_eq!(
        *recorder.lines.lock().unwrap(),
        [
            (Speaker::Caller, "Bon".to_owned(), false),
            (Speaker::Caller, "Bonjour".to_owned(), true)
        ]
    );
    assert_eq!(*recorder.usage.lock().unwrap(), [usage]);
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
