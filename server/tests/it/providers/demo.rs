//! The demo agent driven through its session's channels as the bridge drives it: caller audio
//! as OpenAI `audio/pcmu` append messages (synthetic "speech": tone bursts), tool calls
//! answered, and the events checked: the greeting's audio, the caller's turns, the three answers,
//! the goodbye with `end_call`, barge-in, and the task's end; then a whole call through the real
//! bridge loop with the transcoders the call agent gives the demo.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};
use server::audio::g711;
use server::providers::demo::{self, DemoConfig, Voice};
use server::providers::script::AgentScript;
use server::providers::session::{AudioFormat, ProviderEvent, ProviderSession, Speaker};
use std::time::Duration;
use tokio::task::JoinHandle;

mod bridge;

const WAIT: Duration = Duration::from_secs(10);

fn script(language: &str, greeting: &str) -> AgentScript {
    AgentScript {
        instructions: "Call Marie Curie about order A-1042.".into(),
        greeting: greeting.into(),
        language: language.into(),
    }
}

/// A demo session with the chime and every delta emitted at once.
pub(super) fn chiming(language: &str) -> (ProviderSession, JoinHandle<()>) {
    let config = DemoConfig {
        voice: Voice::Chime,
        lead: Duration::from_secs(600),
    };
    demo::start(
        script(language, "Hello Marie, this is Boulangerie Lune."),
        config,
    )
}

/// An `input_audio_buffer.append` of one 20 ms mu-law frame: a 300 Hz tone at about -15 dBFS
/// ("speech") or digital silence.
pub(super) fn frame(speech: bool, n: &mut usize) -> String {
    let samples: Vec<i16> = (0..160)
        .map(|_| {
            *n += 1;
            let phase = std::f32::consts::TAU * 300.0 * *n as f32 / 8000.0;
            if speech {
                (8000.0 * phase.sin()) as i16
            } else {
                0
            }
        })
        .collect();
    let mut mulaw = Vec::new();
    g711::encode_into(&samples, &mut mulaw);
    json!({"type": "input_audio_buffer.append", "audio": BASE64.encode(mulaw)}).to_string()
}

/// The caller says something for `speech_frames` frames, then is silent for 0.8 s.
async fn caller_turn(session: &ProviderSession, speech_frames: usize) {
    let mut n = 0;
    for i in 0..speech_frames + 40 {
        let message = frame(i < speech_frames, &mut n);
        session.send_encoded(message).await.expect("sent");
    }
}

async fn next_event(session: &mut ProviderSession) -> ProviderEvent {
    tokio::time::timeout(WAIT, session.recv())
        .await
        .expect("an event in time")
        .expect("the session is open")
}

/// The mu-law bytes of an audio event's OpenAI delta message.
fn delta_bytes(message: &str) -> Vec<u8> {
    let value: Value = serde_json::from_str(message).expect("JSON");
    assert_eq!(value["type"], "response.output_audio.delta");
    BASE64
        .decode(value["delta"].as_str().expect("delta"))
        .expect("base64")
}

/// What the bridge saw of one response.
#[derive(Debug, Default)]
struct Response {
    audio: Vec<u8>,
    deltas: usize,
    items: Vec<String>,
    tools: Vec<(String, Value)>,
    events: Vec<ProviderEvent>,
}

/// Plays the bridge until `ResponseDone`: answers tool calls (the order's details for
/// `get_order_details`, `ok` otherwise) and gathers the audio.
async fn response(session: &mut ProviderSession) -> Response {
    let mut seen = Response::default();
    loop {
        match next_event(session).await {
            ProviderEvent::Audio { item_id, message } => {
                let bytes = delta_bytes(&message);
                assert_eq!(bytes.len(), 160, "whole 20 ms frames");
                seen.audio.extend(bytes);
                seen.deltas += 1;
                let item = item_id.expect("an item id");
                if !seen.items.contains(&item) {
                    seen.items.push(item);
                }
            }
            ProviderEvent::ToolCall {
                call_id,
                name,
                arguments,
            } => {
                let output = match name.as_str() {
                    "get_order_details" => json!({"order_number": "A-1042", "items": "2 baguettes",
                        "delivery_window": "between 14:00 and 16:00 on 3 March", "driver_name": "Paul"}),
                    _ => json!({"ok": true}),
                };
                let respond = name != "end_call";
                session
                    .send_tool_result(&call_id, &name, output, respond)
                    .await
                    .expect("tool result sent");
                seen.tools.push((name, arguments));
            }
            ProviderEvent::ResponseDone => return seen,
            other => seen.events.push(other),
        }
    }
}

fn peak(mulaw: &[u8]) -> i16 {
    mulaw
        .iter()
        .map(|&c| g711::decode(c).saturating_abs())
        .max()
        .unwrap_or(0)
}

fn tool_names(response: &Response) -> Vec<&str> {
    response.tools.iter().map(|(n, _)| n.as_str()).collect()
}

async fn ended(task: JoinHandle<()>) {
    tokio::time::timeout(WAIT, task)
        .await
        .expect("the task ended")
        .expect("the task did not panic");
}

#[tokio::test]
async fn the_demo_agent_greets_answers_three_turns_through_the_tools_then_ends_the_call() {
    let (mut session, task) = chiming("en-US");
    assert_eq!(session.input_format(), AudioFormat::Mulaw8k);
    assert_eq!(session.output_format(), AudioFormat::Mulaw8k);

    session.greet().await.expect("greet");
    let greeting = response(&mut session).await;
    let mut answers = Vec::new();
    for speech_frames in [25, 50, 30] {
        caller_turn(&session, speech_frames).await;
        answers.push(response(&mut session).await);
    }
    let goodbye = response(&mut session).await;

    assert_eq!(greeting.deltas, 27, "the 0.54 s chime in 20 ms deltas");
    assert!(peak(&greeting.audio) > 4_000, "the greeting is audible");
    assert!(greeting.events.contains(&ProviderEvent::TranscriptDone {
        speaker: Speaker::Agent,
        text: "Hello Marie, this is Boulangerie Lune.".into()
    }));
    for (answer, caller) in answers.iter().zip(["0.5", "1.0", "0.6"]) {
        assert_eq!(answer.events[0], ProviderEvent::SpeechStarted);
        let line = ProviderEvent::TranscriptDone {
            speaker: Speaker::Caller,
            text: format!("caller: {caller} s of speech"),
        };
        assert!(answer.events.contains(&line), "{:?}", answer.events);
        assert_eq!(
            tool_names(answer),
            ["get_order_details", "add_delivery_note"]
        );
        assert!(peak(&answer.audio) > 4_000);
    }
    let agent_lines: Vec<&ProviderEvent> = answers
        .iter()
        .flat_map(|a| &a.events)
        .filter(|e| {
            matches!(
                e,
                ProviderEvent::TranscriptDone {
                    speaker: Speaker::Agent,
                    ..
                }
            )
        })
        .collect();
    let expected = [
        "Your order A-1042 is planned for delivery between 14:00 and 16:00 on 3 March.",
        "In your order you have 2 baguettes.",
        "Your driver will be Paul.",
    ];
    for (event, text) in agent_lines.iter().zip(expected) {
        assert!(matches!(event, ProviderEvent::TranscriptDone { text: t, .. } if t == text));
    }
    assert_eq!(
        answers[0].tools[1].1,
        json!({"note": "Demo agent: told the customer the delivery window"})
    );
    assert_eq!(tool_names(&goodbye), ["end_call"]);
    assert!(
        !goodbye.audio.is_empty(),
        "the goodbye is said before end_call"
    );
    let items: Vec<&String> = [&greeting, &answers[0], &answers[1], &answers[2], &goodbye]
        .iter()
        .flat_map(|r| &r.items)
        .collect();
    assert_eq!(items.len(), 5, "one new item per line: {items:?}");

    session.close().await;
    ended(task).await;
}

#[tokio::test]
async fn a_barge_in_stops_the_line_and_none_of_its_audio_comes_later() {
    // Real-time pacing: the chime (0.54 s) is still being emitted when the caller speaks.
    let config = DemoConfig {
        voice: Voice::Chime,
        lead: Duration::ZERO,
    };
    let (mut session, _task) = demo::start(script("fr-FR", "Bonjour Marie."), config);
    session.greet().await.expect("greet");
    let item = loop {
        if let ProviderEvent::Audio { item_id, .. } = next_event(&mut session).await {
            break item_id.expect("item");
        }
    };

    let mut n = 0;
    for _ in 0..6 {
        session
            .send_encoded(frame(true, &mut n))
            .await
            .expect("sent");
    }
    let mut before = 0;
    loop {
        match next_event(&mut session).await {
            ProviderEvent::SpeechStarted => break,
            ProviderEvent::Audio { .. } => before += 1,
            _ => {}
        }
    }
    let mut after = Vec::new();
    let quiet = tokio::time::sleep(Duration::from_millis(800));
    tokio::pin!(quiet);
    loop {
        tokio::select! {
            () = &mut quiet => break,
            event = session.recv() => after.push(event.expect("open")),
        }
    }

    assert!(
        before < 20,
        "the chime was cut early ({before} deltas before)"
    );
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, ProviderEvent::Audio { item_id: Some(i), .. } if *i == item)),
        "no audio of the interrupted item: {after:?}"
    );
    assert!(after.contains(&ProviderEvent::ResponseDone));
    assert!(after.contains(&ProviderEvent::TranscriptDelta {
        speaker: Speaker::Caller,
        text: "appelant : parle…".into()
    }));
}

#[tokio::test]
async fn the_greeting_is_spoken_by_espeak_ng_when_it_is_installed() {
    let installed = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("espeak-ng").is_file())
    });
    if !installed {
        eprintln!("espeak-ng is not installed (apt-get install espeak-ng): skipped");
        return;
    }
    let config = DemoConfig {
        voice: Voice::default(),
        lead: Duration::from_secs(600),
    };
    let greeting = "Hello Marie, this is Boulangerie Lune about your order.";
    let (mut session, task) = demo::start(script("en-US", greeting), config);

    session.greet().await.expect("greet");
    let spoken = response(&mut session).await;

    // Two seconds or more of speech: far longer than the 0.54 s chime.
    assert!(spoken.audio.len() > 16_000, "{} bytes", spoken.audio.len());
    assert!(peak(&spoken.audio) > 4_000);
    drop(session);
    ended(task).await;
}

#[tokio::test]
async fn dropping_the_session_ends_its_task_even_mid_line() {
    let config = DemoConfig {
        voice: Voice::Chime,
        lead: Duration::ZERO,
    };
    let (mut session, task) = demo::start(script("en", "Hi."), config);
    session.greet().await.expect("greet");
    assert!(matches!(
        next_event(&mut session).await,
        ProviderEvent::TranscriptDone { .. }
    ));

    drop(session);

    ended(task).await;
}
