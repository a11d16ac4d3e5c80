//! One call's bridge: the loop between Twilio's Media Streams socket and the agent's
//! [`ProviderSession`], once the stream is authenticated and the session open.
//!
//! - Caller audio: each Twilio message goes through the uplink [`Transcoder`] (the same code
//!   as `orderline replay`) and the provider message it writes is sent as is. Twilio's other
//!   messages (`mark`, `dtmf`, `stop`) are parsed here; malformed ones are logged and skipped.
//! - Agent audio: each provider audio message goes through the downlink transcoder into 20 ms
//!   `media` frames, followed by a `mark`. Twilio echoes a mark once the audio before it has
//!   played, which is how the bridge knows what the caller has actually heard.
//! - Barge-in: on OpenAI's `speech_started` or Gemini's `interrupted`, `clear` goes to Twilio at
//!   once (its buffered audio is dropped), audio held for the next frame is forgotten, OpenAI's
//!   item is truncated at what was heard, and any late audio of that item is dropped.
//! - Tools run through [`CallEffects`] and their result (or error) goes back to the model.
//!   `end_call` lets the goodbye finish: the bridge ends once the response is done and every
//!   mark sent has come back (or after [`BridgeConfig::goodbye_wait`]).
//! - It ends on Twilio's `stop` or a closed socket, silence for [`BridgeConfig::idle`], the
//!   maximum call length, a hang-up from staff, or a provider failure; [`CallEnd`] says which,
//!   and the caller of [`run`] does what that needs (hang up, apologise, mark the call failed).
//!
//! Generic over the Twilio socket (a `Stream` of texts and a `Sink` of texts), so the tests
//! drive it with channels.

use super::capture::Capture;
use super::transcode::{Messages, Transcoder};
use crate::providers::script::Tool;
use crate::providers::session::{ProviderEvent, ProviderSession, Speaker, Usage};
use crate::twilio::media::{Inbound, MarkName, Outbound};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{json, Value};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Milliseconds of audio in one outbound Twilio frame (160 mu-law bytes at 8 kHz).
const FRAME_MS: u32 = 20;
/// A caller frame whose loudest sample reaches this mu-law magnitude counts as speech for the
/// latency figure (about -40 dBFS; line noise stays well below).
const SPEECH_LEVEL: u8 = 40;

/// The limits of one bridge.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// Twilio's stream SID, which addresses `mark` and `clear`.
    pub stream_sid: String,
    /// The longest the call may last from the start of the bridge (the settings' maximum).
    pub max_length: Duration,
    /// How long Twilio may send nothing (it sends a frame every 20 ms).
    pub idle: Duration,
    /// How long `end_call` waits at most for the goodbye to play.
    pub goodbye_wait: Duration,
}

/// The call's audio work: its two transcoders, and the capture files when capturing is on.
pub struct CallAudio {
    /// Twilio to the agent.
    pub uplink: Transcoder,
    /// The agent to Twilio.
    pub downlink: Transcoder,
    pub capture: Option<Capture>,
}

/// What the bridge needs from the rest of the server: the call's journal and its tools.
#[async_trait::async_trait]
pub trait CallEffects: Send {
    /// A transcript piece (`done`: the whole utterance).
    async fn transcript(&mut self, speaker: Speaker, text: &str, done: bool);
    /// Runs `tool` for this call's order; errors come back as a JSON result for the model.
    async fn run_tool(&mut self, tool: Tool, arguments: &Value) -> Value;
    /// Tokens the provider reported.
    async fn usage(&mut self, usage: Usage);
}

/// Why the bridge ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// Twilio sent `stop`, or the socket closed: the call is over on Twilio's side.
    Stopped,
    /// Twilio sent nothing for [`BridgeConfig::idle`].
    Idle,
    /// The agent called `end_call` and its goodbye has played: hang up.
    AgentHungUp,
    /// The call reached its maximum length: hang up.
    MaxLength,
    /// Staff pressed Hang up (the phone call is already being ended).
    StaffHungUp,
    /// The agent's session failed; the caller deserves an apology. The reason is plain words.
    ProviderFailed(String),
}

/// How the bridge ended and what it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub end: CallEnd,
    /// Each reply's latency: from the caller's last loud frame to the first agent frame sent.
    pub latencies_ms: Vec<u32>,
    /// Agent audio sent to Twilio, in ms.
    pub agent_audio_ms: u64,
}

impl Outcome {
    /// The median reply latency, if the caller spoke at all.
    pub fn median_latency_ms(&self) -> Option<u32> {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_unstable();
        sorted.get(sorted.len().checked_sub(1)? / 2).copied()
    }
}

/// The agent audio being played: the item it belongs to and how much of it was sent and heard.
#[derive(Debug, Default)]
struct Playing {
    /// Counts the items, so marks of an older one are told apart (Gemini has no item ids).
    number: u64,
    item_id: Option<String>,
    sent_ms: u32,
    heard_ms: u32,
}

/// A mark sent and not yet echoed: after `item_ms` of item number `item`.
#[derive(Debug)]
struct PendingMark {
    name: String,
    item: u64,
    item_ms: u32,
}

/// `end_call` was called: the bridge ends when the goodbye has played.
#[derive(Debug)]
struct Ending {
    response_done: bool,
    deadline: Instant,
}

struct Bridge<'a, O, E> {
    config: &'a BridgeConfig,
    session: &'a mut ProviderSession,
    uplink: Transcoder,
    downlink: Transcoder,
    capture: Option<Capture>,
    twilio_out: O,
    effects: E,
    messages: Messages,
    playing: Playing,
    marks: VecDeque<PendingMark>,
    next_mark: u64,
    /// OpenAI items interrupted by the caller: their late audio is dropped.
    dropped: HashSet<String>,
    ending: Option<Ending>,
    last_loud: Option<Instant>,
    caller_spoke: bool,
    latencies_ms: Vec<u32>,
    /// `orderline_bridge_frame_delay_seconds`, looked up once per call (not per frame).
    frame_delay: metrics::Histogram,
    agent_audio_ms: u64,
}

/// Bridges one call until it ends; `hangup` resolves when staff hang up. The session is left
/// open: close it after.
pub async fn run<I, O, E>(
    config: &BridgeConfig,
    twilio_in: I,
    twilio_out: O,
    session: &mut ProviderSession,
    audio: CallAudio,
    effects: E,
    hangup: impl Future<Output = ()>,
) -> Outcome
where
    I: Stream<Item = String> + Unpin,
    O: Sink<String> + Unpin,
    O::Error: std::fmt::Display,
    E: CallEffects,
{
    let mut bridge = Bridge {
        config,
        session,
        uplink: audio.uplink,
        downlink: audio.downlink,
        capture: audio.capture,
        twilio_out,
        effects,
        messages: Messages::new(),
        playing: Playing::default(),
        marks: VecDeque::new(),
        next_mark: 0,
        dropped: HashSet::new(),
        ending: None,
        last_loud: None,
        caller_spoke: false,
        latencies_ms: Vec::new(),
        frame_delay: crate::metrics::frame_delay(),
        agent_audio_ms: 0,
    };
    let end = bridge.run(twilio_in, hangup).await;
    Outcome {
        end,
        latencies_ms: bridge.latencies_ms,
        agent_audio_ms: bridge.agent_audio_ms,
    }
}

impl<O, E> Bridge<'_, O, E>
where
    O: Sink<String> + Unpin,
    O::Error: std::fmt::Display,
    E: CallEffects,
{
    async fn run<I>(&mut self, mut twilio_in: I, hangup: impl Future<Output = ()>) -> CallEnd
    where
        I: Stream<Item = String> + Unpin,
    {
        tokio::pin!(hangup);
        let max_end = Instant::now() + self.config.max_length;
        let mut idle_end = Instant::now() + self.config.idle;
        loop {
            let goodbye_end = self.ending.as_ref().map(|e| e.deadline);
            let step = tokio::select! {
                biased;
                () = &mut hangup => Err(CallEnd::StaffHungUp),
                () = tokio::time::sleep_until(max_end) => Err(CallEnd::MaxLength),
                () = sleep_until_some(goodbye_end) => {
                    tracing::info!("the goodbye did not finish playing in time; hanging up");
                    Err(CallEnd::AgentHungUp)
                }
                () = tokio::time::sleep_until(idle_end) => Err(CallEnd::Idle),
                text = twilio_in.next() => match text {
                    Some(text) => {
                        idle_end = Instant::now() + self.config.idle;
                        self.on_twilio(&text).await
                    }
                    None => Err(CallEnd::Stopped),
                },
                event = self.session.recv() => match event {
                    Some(event) => self.on_agent(event).await,
                    None => Err(CallEnd::ProviderFailed("the AI session ended".into())),
                },
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// One message from Twilio.
    async fn on_twilio(&mut self, text: &str) -> Result<(), CallEnd> {
        let arrived = Instant::now();
        if let Some(capture) = &mut self.capture {
            capture.twilio(text);
        }
        self.messages.clear();
        if let Err(error) = self.uplink.push(text, &mut self.messages) {
            tracing::warn!(%error, "malformed Media Streams message skipped");
            return Ok(());
        }
        if !self.messages.is_empty() {
            if self.uplink.caller_level() >= SPEECH_LEVEL {
                self.last_loud = Some(Instant::now());
                self.caller_spoke = true;
            }
            for message in self.messages.iter() {
                if let Err(failure) = self.session.send_encoded(message.to_owned()).await {
                    return Err(CallEnd::ProviderFailed(failure.to_string()));
                }
            }
            self.frame_delay.record(arrived.elapsed().as_secs_f64());
            return Ok(());
        }
        // Not audio (the transcoder has already checked it parses).
        match serde_json::from_str::<Inbound>(text) {
            Ok(Inbound::Stop { .. }) => return Err(CallEnd::Stopped),
            Ok(Inbound::Mark { mark, .. }) => self.mark_played(&mark.name),
            Ok(Inbound::Dtmf { dtmf, .. }) => {
                tracing::info!(digit = %dtmf.digit, "the caller pressed a key")
            }
            Ok(Inbound::Connected { .. } | Inbound::Start { .. } | Inbound::Media { .. }) => {}
            Err(error) => tracing::warn!(%error, "malformed Media Streams message skipped"),
        }
        self.maybe_finish()
    }

    /// One event from the agent.
    async fn on_agent(&mut self, event: ProviderEvent) -> Result<(), CallEnd> {
        match event {
            ProviderEvent::Audio { item_id, message } => self.play(item_id, &message).await?,
            ProviderEvent::SpeechStarted => self.barge_in(true).await?,
            ProviderEvent::Interrupted => self.barge_in(false).await?,
            ProviderEvent::ResponseDone => {
                if let Some(ending) = &mut self.ending {
                    ending.response_done = true;
                }
            }
            ProviderEvent::TranscriptDelta { speaker, text } => {
                self.effects.transcript(speaker, &text, false).await
            }
            ProviderEvent::TranscriptDone { speaker, text } => {
                self.effects.transcript(speaker, &text, true).await
            }
            ProviderEvent::ToolCall {
                call_id,
                name,
                arguments,
            } => self.tool_call(&call_id, &name, &arguments).await?,
            ProviderEvent::ToolCallsCancelled { call_ids } => {
                // Tools run at once, so these were answered already.
                tracing::info!(?call_ids, "the agent withdrew tool calls already answered");
            }
            ProviderEvent::Usage(usage) => self.effects.usage(usage).await,
            ProviderEvent::Error { code, message } => {
                tracing::warn!(%code, %message, "the AI provider reported an error")
            }
            ProviderEvent::Resumed => tracing::info!("the AI session resumed on a new connection"),
            ProviderEvent::Failed(failure) => {
                return Err(CallEnd::ProviderFailed(failure.to_string()))
            }
        }
        self.maybe_finish()
    }

    /// Sends the agent's audio in `message` to Twilio, then a mark after it.
    async fn play(&mut self, item_id: Option<String>, message: &str) -> Result<(), CallEnd> {
        if item_id.as_ref().is_some_and(|id| self.dropped.contains(id)) {
            tracing::debug!("late audio of an interrupted response dropped");
            return Ok(());
        }
        if let Some(capture) = &mut self.capture {
            capture.agent(message);
        }
        if item_id.is_some() && item_id != self.playing.item_id {
            self.playing = Playing {
                number: self.playing.number + 1,
                item_id,
                ..Playing::default()
            };
        }
        self.messages.clear();
        if let Err(error) = self.downlink.push(message, &mut self.messages) {
            tracing::warn!(%error, "malformed agent audio skipped");
            return Ok(());
        }
        let frames = self.messages.len() as u32;
        if frames == 0 {
            return Ok(());
        }
        if std::mem::take(&mut self.caller_spoke) {
            if let Some(loud) = self.last_loud {
                let waited = loud.elapsed().as_millis();
                self.latencies_ms
                    .push(u32::try_from(waited).unwrap_or(u32::MAX));
            }
        }
        let messages = std::mem::take(&mut self.messages);
        let sent = self.send_all(messages.iter()).await;
        self.messages = messages;
        sent?;
        self.playing.sent_ms += frames * FRAME_MS;
        self.agent_audio_ms += u64::from(frames * FRAME_MS);
        self.send_mark().await
    }

    async fn send_all<'m>(&mut self, texts: impl Iterator<Item = &'m str>) -> Result<(), CallEnd> {
        for text in texts {
            if let Err(error) = self.twilio_out.feed(text.to_owned()).await {
                tracing::info!(%error, "the Media Streams socket is gone");
                return Err(CallEnd::Stopped);
            }
        }
        self.twilio_out.flush().await.map_err(|error| {
            tracing::info!(%error, "the Media Streams socket is gone");
            CallEnd::Stopped
        })
    }

    async fn send_outbound(&mut self, message: &Outbound) -> Result<(), CallEnd> {
        match serde_json::to_string(message) {
            Ok(text) => self.send_all(std::iter::once(text.as_str())).await,
            Err(error) => {
                tracing::error!(%error, "cannot encode a Media Streams message");
                Ok(())
            }
        }
    }

    /// Marks the current end of the audio sent.
    async fn send_mark(&mut self) -> Result<(), CallEnd> {
        self.next_mark += 1;
        let name = format!("m{}", self.next_mark);
        self.marks.push_back(PendingMark {
            name: name.clone(),
            item: self.playing.number,
            item_ms: self.playing.sent_ms,
        });
        let mark = Outbound::Mark {
            stream_sid: self.config.stream_sid.clone(),
            mark: MarkName { name },
        };
        self.send_outbound(&mark).await
    }

    /// Twilio played the audio up to mark `name` (marks come back in order).
    fn mark_played(&mut self, name: &str) {
        let Some(position) = self.marks.iter().position(|mark| mark.name == name) else {
            return; // A mark from before a `clear`: it says nothing about what was heard.
        };
        for mark in self.marks.drain(..=position) {
            if mark.item == self.playing.number {
                self.playing.heard_ms = self.playing.heard_ms.max(mark.item_ms);
            }
        }
    }

    /// The caller spoke over the agent.
    async fn barge_in(&mut self, truncate: bool) -> Result<(), CallEnd> {
        self.downlink.clear();
        if let Some(item_id) = self.playing.item_id.clone() {
            self.dropped.insert(item_id);
        }
        if self.marks.is_empty() {
            return Ok(()); // Nothing is waiting to be played.
        }
        self.marks.clear();
        let clear = Outbound::Clear {
            stream_sid: self.config.stream_sid.clone(),
        };
        self.send_outbound(&clear).await?;
        if let (true, Some(item_id)) = (truncate, self.playing.item_id.clone()) {
            let heard = self.playing.heard_ms.min(self.playing.sent_ms);
            tracing::debug!(%item_id, heard, sent = self.playing.sent_ms, "truncating");
            if let Err(failure) = self.session.truncate(&item_id, heard).await {
                return Err(CallEnd::ProviderFailed(failure.to_string()));
            }
        }
        Ok(())
    }

    async fn tool_call(
        &mut self,
        call_id: &str,
        name: &str,
        arguments: &Value,
    ) -> Result<(), CallEnd> {
        let tool = Tool::from_name(name);
        let output = match tool {
            Some(tool) => self.effects.run_tool(tool, arguments).await,
            None => json!({"error": format!("there is no tool named {name}")}),
        };
        let ends = tool == Some(Tool::EndCall) && output.get("error").is_none();
        let sent = self
            .session
            .send_tool_result(call_id, name, output, !ends)
            .await;
        if let Err(failure) = sent {
            return Err(CallEnd::ProviderFailed(failure.to_string()));
        }
        if ends && self.ending.is_none() {
            tracing::info!("the agent ends the call once its goodbye has played");
            self.ending = Some(Ending {
                response_done: false,
                deadline: Instant::now() + self.config.goodbye_wait,
            });
        }
        Ok(())
    }

    /// After `end_call`: done once the response is complete and all its audio has played.
    fn maybe_finish(&self) -> Result<(), CallEnd> {
        match &self.ending {
            Some(ending) if ending.response_done && self.marks.is_empty() => {
                Err(CallEnd::AgentHungUp)
            }
            _ => Ok(()),
        }
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
#[path = "call_tests/mod.rs"]
mod tests;
