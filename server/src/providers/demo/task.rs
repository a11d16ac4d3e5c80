//! The demo agent's task, the thin IO around the pure parts: it reads the bridge's commands
//! (the caller's audio into the VAD, tool results and the greeting into the dialogue), runs
//! the dialogue's actions (events out, lines synthesized on a separate task, silence), and
//! emits each line in 20 ms deltas, at most [`DemoConfig::lead`](super::DemoConfig) ahead of
//! real time: the bridge and Twilio pace playback, and a barge-in stops what was not emitted.
//! It ends when the session is closed or dropped (the command channel closes) or when the
//! bridge stops reading events.

use super::dialogue::{Action, Dialogue, Input};
use super::speech::{self, Voice};
use super::vad::{Vad, VadEvent, FRAME_SAMPLES};
use super::DemoConfig;
use crate::audio::g711;
use crate::providers::script::AgentScript;
use crate::providers::session::{ProviderCommand, ProviderEvent};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// mu-law bytes in one 20 ms delta.
const DELTA_BYTES: usize = 160;
/// mu-law's code for a zero sample.
const MULAW_SILENCE: u8 = 0xFF;
/// The length of one delta.
const DELTA: Duration = Duration::from_millis(20);

/// The bridge has stopped reading events: the task ends.
struct Gone;

/// The one client event the demo reads from [`ProviderCommand::Encoded`]: the caller's audio
/// as the bridge's `audio/pcmu` transcoder writes it.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum ClientEvent {
    #[serde(rename = "input_audio_buffer.append")]
    Append { audio: String },
    #[serde(other)]
    Other,
}

/// A line being synthesized; dropping it aborts the synthesis (and kills espeak-ng).
struct Synthesis {
    item: String,
    handle: JoinHandle<Vec<u8>>,
}

impl Drop for Synthesis {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// A line being emitted.
struct Playing {
    item: String,
    mulaw: Vec<u8>,
    sent: usize,
    started: Instant,
}

impl Playing {
    /// When the next delta is due: its place in real time, less the lead.
    fn next_due(&self, lead: Duration) -> Instant {
        let at = self.started + DELTA * (self.sent / DELTA_BYTES) as u32;
        at.checked_sub(lead).unwrap_or(self.started)
    }
}

struct Agent {
    dialogue: Dialogue,
    vad: Vad,
    voice: Voice,
    lead: Duration,
    events: mpsc::Sender<ProviderEvent>,
    /// Decoded caller samples waiting for a whole VAD frame.
    carry: Vec<i16>,
    synthesis: Option<Synthesis>,
    playing: Option<Playing>,
    event_count: u64,
}

/// Runs the demo agent of `script` until the session ends.
pub(super) async fn run(
    script: AgentScript,
    config: DemoConfig,
    mut commands: mpsc::Receiver<ProviderCommand>,
    events: mpsc::Sender<ProviderEvent>,
) {
    let mut agent = Agent {
        dialogue: Dialogue::new(&script),
        vad: Vad::new(),
        voice: config.voice,
        lead: config.lead,
        events,
        carry: Vec::with_capacity(2 * FRAME_SAMPLES),
        synthesis: None,
        playing: None,
        event_count: 0,
    };
    loop {
        let due = agent.playing.as_ref().map(|p| p.next_due(agent.lead));
        let step = tokio::select! {
            biased;
            command = commands.recv() => match command {
                None | Some(ProviderCommand::Close) => break,
                Some(command) => agent.on_command(command).await,
            },
            (item, mut mulaw) = synthesized(&mut agent.synthesis) => {
                agent.synthesis = None;
                // Whole frames only: the bridge holds a partial frame back until the next line.
                mulaw.resize(mulaw.len().div_ceil(DELTA_BYTES) * DELTA_BYTES, MULAW_SILENCE);
                agent.playing = Some(Playing { item, mulaw, sent: 0, started: Instant::now() });
                Ok(())
            }
            () = sleep_until_some(due) => agent.emit_due().await,
        };
        if step.is_err() {
            break;
        }
    }
    tracing::debug!("the demo agent's session ended");
}

/// The next synthesized line; pending while none is being synthesized.
async fn synthesized(synthesis: &mut Option<Synthesis>) -> (String, Vec<u8>) {
    let Some(synthesis) = synthesis else {
        return std::future::pending().await;
    };
    let mulaw = (&mut synthesis.handle).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "the demo agent's synthesis stopped; it chimes instead");
        super::sound::chime()
    });
    (synthesis.item.clone(), mulaw)
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

impl Agent {
    async fn on_command(&mut self, command: ProviderCommand) -> Result<(), Gone> {
        match command {
            ProviderCommand::Encoded(text) => match serde_json::from_str(&text) {
                Ok(ClientEvent::Append { audio }) => match BASE64.decode(audio.as_bytes()) {
                    Ok(mulaw) => self.hear(&mulaw).await,
                    Err(error) => {
                        tracing::warn!(%error, "the demo agent skipped malformed audio");
                        Ok(())
                    }
                },
                Ok(ClientEvent::Other) => Ok(()),
                Err(error) => {
                    tracing::warn!(%error, "the demo agent skipped a malformed message");
                    Ok(())
                }
            },
            ProviderCommand::Audio(mulaw) => self.hear(&mulaw).await,
            ProviderCommand::Truncate {
                item_id,
                audio_end_ms,
            } => {
                tracing::debug!(%item_id, audio_end_ms, "the caller heard part of a demo line");
                Ok(())
            }
            ProviderCommand::ToolResult {
                call_id, output, ..
            } => self.act(Input::ToolResult { call_id, output }).await,
            ProviderCommand::Greet => self.act(Input::Greet).await,
            ProviderCommand::Close => Ok(()),
        }
    }

    /// Feeds caller mu-law to the VAD, frame by frame, and the turns it finds to the dialogue.
    async fn hear(&mut self, mulaw: &[u8]) -> Result<(), Gone> {
        g711::decode_into(mulaw, &mut self.carry);
        let frames = self.carry.len() / FRAME_SAMPLES;
        for index in 0..frames {
            let frame = &self.carry[index * FRAME_SAMPLES..(index + 1) * FRAME_SAMPLES];
            let input = match self.vad.push_frame(frame) {
                Some(VadEvent::Started) => Input::CallerStarted,
                Some(VadEvent::Stopped { speech_ms }) => Input::CallerStopped { speech_ms },
                None => continue,
            };
            self.act(input).await?;
        }
        self.carry.drain(..frames * FRAME_SAMPLES);
        Ok(())
    }

    /// Tells the dialogue `input` and carries out what it decides.
    async fn act(&mut self, input: Input) -> Result<(), Gone> {
        for action in self.dialogue.handle(input) {
            match action {
                Action::Event(event) => self.send(event).await?,
                Action::Speak { item, text } => {
                    self.playing = None;
                    let (voice, lang) = (self.voice.clone(), self.dialogue.lang());
                    let handle =
                        tokio::spawn(async move { speech::synthesize(&voice, lang, &text).await });
                    self.synthesis = Some(Synthesis { item, handle });
                }
                Action::Silence => {
                    self.playing = None;
                    self.synthesis = None;
                }
            }
        }
        Ok(())
    }

    /// Emits the deltas of the current line that are due, and reports its end.
    async fn emit_due(&mut self) -> Result<(), Gone> {
        let now = Instant::now();
        loop {
            let Some(playing) = &mut self.playing else {
                return Ok(());
            };
            if playing.sent >= playing.mulaw.len() {
                let item = playing.item.clone();
                self.playing = None;
                return self.act(Input::Spoken { item }).await;
            }
            if playing.next_due(self.lead) > now {
                return Ok(());
            }
            let end = (playing.sent + DELTA_BYTES).min(playing.mulaw.len());
            let delta = BASE64.encode(&playing.mulaw[playing.sent..end]);
            playing.sent = end;
            let item = playing.item.clone();
            self.event_count += 1;
            let message = json!({
                "type": "response.output_audio.delta",
                "event_id": format!("demo_event_{}", self.event_count),
                "response_id": format!("demo_response_{item}"),
                "item_id": item,
                "output_index": 0,
                "content_index": 0,
                "delta": delta,
            });
            let event = ProviderEvent::Audio {
                item_id: Some(item),
                message: message.to_string(),
            };
            self.send(event).await?;
        }
    }

    async fn send(&self, event: ProviderEvent) -> Result<(), Gone> {
        self.events.send(event).await.map_err(|_| Gone)
    }
}
