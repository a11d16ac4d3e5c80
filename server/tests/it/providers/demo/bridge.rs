//! A whole demo call through the real bridge loop (`bridge::call::run`), with the transcoders
//! the call agent gives the demo (OpenAI `audio/pcmu`) and a Twilio that plays at once.

use super::{chiming, frame, WAIT};
use serde_json::{json, Value};
use server::bridge::call::{self, BridgeConfig, CallAudio, CallEffects, CallEnd};
use server::bridge::{Direction, OpenAiAudio, Transcoder};
use server::providers::script::Tool;
use server::providers::session::{Speaker, Usage};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Records the bridge's effects: the tools run and the transcript lines.
#[derive(Clone, Default)]
struct Journal {
    tools: Arc<Mutex<Vec<Tool>>>,
    lines: Arc<Mutex<Vec<(Speaker, String)>>>,
}

#[async_trait::async_trait]
impl CallEffects for Journal {
    async fn transcript(&mut self, speaker: Speaker, text: &str, done: bool) {
        if done {
            self.lines.lock().unwrap().push((speaker, text.to_owned()));
        }
    }
    async fn run_tool(&mut self, tool: Tool, _arguments: &Value) -> Value {
        self.tools.lock().unwrap().push(tool);
        match tool {
            Tool::GetOrderDetails => json!({"order_number": "A-1042", "items": "2 baguettes"}),
            _ => json!({"ok": true}),
        }
    }
    async fn usage(&mut self, _usage: Usage) {}
}

/// A Twilio `media` message with the caller's frame.
fn twilio_media(message: &str) -> String {
    let value: Value = serde_json::from_str(message).expect("append");
    json!({"event": "media", "streamSid": "MZ1",
           "media": {"track": "inbound", "chunk": "1", "timestamp": "0", "payload": value["audio"]}})
    .to_string()
}

#[tokio::test]
async fn the_real_bridge_plays_a_whole_demo_call_and_hangs_up_after_the_goodbye() {
    let (session, _task) = chiming("en-US");
    let (twilio_tx, mut twilio_rx) = mpsc::unbounded_channel::<String>();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    let journal = Journal::default();
    let effects = journal.clone();
    let bridge = tokio::spawn(async move {
        let mut session = session;
        session.greet().await.expect("greet");
        let incoming = futures_util::stream::poll_fn(move |cx| twilio_rx.poll_recv(cx));
        let outgoing = futures_util::sink::unfold(out_tx, |tx, text: String| async move {
            let _ = tx.send(text);
            Ok::<_, std::convert::Infallible>(tx)
        });
        let config = BridgeConfig {
            stream_sid: "MZ1".into(),
            max_length: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            goodbye_wait: Duration::from_secs(10),
        };
        // What `calls::agent::transcoders` gives the demo: OpenAI's `audio/pcmu` directions.
        let audio = CallAudio {
            uplink: Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcmu, "MZ1").unwrap(),
            downlink: Transcoder::new(Direction::OpenAiToTwilio, OpenAiAudio::Pcmu, "MZ1").unwrap(),
            capture: None,
        };
        let hangup = std::future::pending::<()>();
        let (incoming, outgoing) = (Box::pin(incoming), Box::pin(outgoing));
        let outcome = call::run(
            &config,
            incoming,
            outgoing,
            &mut session,
            audio,
            effects,
            hangup,
        );
        let outcome = outcome.await;
        session.close().await;
        outcome
    });
    // Twilio: plays everything at once, echoing each mark.
    let echo = twilio_tx.clone();
    let media_frames = Arc::new(Mutex::new(0usize));
    let frames = media_frames.clone();
    tokio::spawn(async move {
        while let Some(text) = out_rx.recv().await {
            let value: Value = serde_json::from_str(&text).expect("outbound JSON");
            match value["event"].as_str() {
                Some("media") => *frames.lock().unwrap() += 1,
                Some("mark") => {
                    let _ = echo.send(
                        json!({"event": "mark", "streamSid": "MZ1", "mark": value["mark"]})
                            .to_string(),
                    );
                }
                _ => {}
            }
        }
    });

    let played = || *media_frames.lock().unwrap();
    tokio::time::timeout(WAIT, async {
        while played() < 27 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the greeting was played");
    for turn in 1..=3 {
        let mut n = 0;
        for i in 0..70 {
            let _ = twilio_tx.send(twilio_media(&frame(i < 30, &mut n)));
        }
        let notes = || {
            journal
                .tools
                .lock()
                .unwrap()
                .iter()
                .filter(|t| **t == Tool::AddDeliveryNote)
                .count()
        };
        tokio::time::timeout(WAIT, async {
            while notes() < turn {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the turn was answered");
    }
    let outcome = tokio::time::timeout(WAIT, bridge)
        .await
        .expect("the bridge ended")
        .expect("no panic");

    assert_eq!(outcome.end, CallEnd::AgentHungUp);
    use Tool::*;
    assert_eq!(
        *journal.tools.lock().unwrap(),
        [
            GetOrderDetails,
            AddDeliveryNote,
            GetOrderDetails,
            AddDeliveryNote,
            GetOrderDetails,
            AddDeliveryNote,
            EndCall
        ]
    );
    let lines = journal.lines.lock().unwrap().clone();
    let callers = lines
        .iter()
        .filter(|(s, t)| *s == Speaker::Caller && t == "caller: 0.6 s of speech");
    assert_eq!(callers.count(), 3, "{lines:?}");
    assert_eq!(
        lines.iter().filter(|(s, _)| *s == Speaker::Agent).count(),
        5,
        "greeting, 3 answers, goodbye"
    );
    assert_eq!(
        u64::try_from(*media_frames.lock().unwrap()).unwrap() * 20,
        outcome.agent_audio_ms
    );
    assert!(
        outcome.agent_audio_ms >= 5 * 540,
        "five lines of chime were played"
    );
}
