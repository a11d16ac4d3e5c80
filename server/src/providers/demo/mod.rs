//! The offline "Demo" agent of the sandbox: a provider that needs no key and no network. It
//! runs in-process behind the same [`ProviderSession`] as OpenAI and Gemini, speaking and
//! hearing mu-law 8 kHz in OpenAI `audio/pcmu` messages, so the bridge drives it exactly like
//! OpenAI (caller audio in `input_audio_buffer.append`, agent audio in
//! `response.output_audio.delta`, barge-in, tool calls through the real tool path).
//!
//! It greets with the greeting rendered for the order, hears the caller's turns with an energy
//! VAD, answers each with a line about the order (delivery window, items, driver) read through
//! `get_order_details`, records each answer with `add_delivery_note`, and after the third says
//! goodbye and calls `end_call`.
//!
//! Layout: pure parts first, then the IO around them.
//! - `vad`: the energy voice-activity detector (caller turns).
//! - `dialogue`: the conversation's state machine; `lines`: its English and French texts.
//! - `wav`: reading espeak-ng's WAV; `sound`: resampling to 8 kHz and the chime.
//! - `speech`: espeak-ng as an async child process, with the chime as fallback.
//! - `task`: the session's task (commands in, events out, paced deltas).

pub mod dialogue;
pub mod lines;
pub mod sound;
pub mod speech;
mod task;
pub mod vad;
pub mod wav;

pub use speech::Voice;

use super::script::AgentScript;
use super::session::{AudioFormat, ProviderSession};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Commands waiting for the demo task (as for the socket providers).
const COMMAND_CAPACITY: usize = 64;
/// Events waiting for the bridge.
const EVENT_CAPACITY: usize = 256;
/// How far ahead of real time the agent's audio is emitted by default.
pub const PLAYBACK_LEAD: Duration = Duration::from_secs(1);

/// How the demo agent sounds and paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Speech through espeak-ng (the default), or the chime only.
    pub voice: Voice,
    /// How far ahead of real time a line's deltas are emitted: enough for Twilio's buffer to
    /// never run dry, small enough that a barge-in leaves little already sent.
    pub lead: Duration,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            voice: Voice::default(),
            lead: PLAYBACK_LEAD,
        }
    }
}

/// Opens a demo session for `script`: mu-law 8 kHz both ways. Never fails; the task ends when
/// the session is closed or dropped.
pub fn connect(script: AgentScript, config: DemoConfig) -> ProviderSession {
    start(script, config).0
}

/// Like [`connect`], also returning the session's task, to see it end.
pub fn start(script: AgentScript, config: DemoConfig) -> (ProviderSession, JoinHandle<()>) {
    let (commands, command_rx) = mpsc::channel(COMMAND_CAPACITY);
    let (event_tx, events) = mpsc::channel(EVENT_CAPACITY);
    let task = tokio::spawn(task::run(script, config, command_rx, event_tx));
    let session = ProviderSession::from_channels(
        commands,
        events,
        AudioFormat::Mulaw8k,
        AudioFormat::Mulaw8k,
    );
    (session, task)
}
