//! The bridge loop driven through channels: a scripted Twilio socket on one side, a scripted
//! provider session on the other. This file is the harness; the tests are grouped by what they
//! cover: `audio` (both ways, marks, barge-in), `tools` (tools, `end_call`, the journal) and
//! `endings` (how a bridge ends).

use super::*;

mod audio;
mod endings;
mod tools;
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

impl Harness {
    async fn end_paused(self) -> CallEnd {
        tokio::time::timeout(Duration::from_secs(120), self.bridge)
            .await
            .expect("ends")
            .unwrap()
            .end
    }
}
