//! The provider-neutral realtime session the bridge talks to. A [`ProviderSession`] is a channel
//! handle: commands go to a task that owns the provider's WebSocket, typed [`ProviderEvent`]s come
//! back. The task ends when the handle is closed or dropped, so no task outlives its call. The
//! provider's JSON stays in its [`Wire`] (openai.rs, gemini.rs); this module never reads it.

use super::handshake::{HandshakeError, Socket};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Commands waiting for the task: about 1.3 s of 20 ms audio chunks, enough to cover a Gemini
/// reconnection without dropping the caller's words.
const COMMAND_CAPACITY: usize = 64;
/// Events waiting for the bridge.
const EVENT_CAPACITY: usize = 256;
/// How long [`ProviderSession::close`] lets the task say goodbye (it may be mid-reconnection).
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// How audio bytes are encoded, on one direction of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    /// 16-bit signed little-endian mono PCM at `rate_hz`.
    Pcm16 { rate_hz: u32 },
    /// G.711 mu-law, 8 kHz mono (OpenAI `audio/pcmu`, Twilio's own format).
    Mulaw8k,
}

/// Who said a transcribed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Caller,
    Agent,
}

/// Tokens counted by the provider, as it reports them (per response).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

/// Why a session could not go on. Any of them should end the call politely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderFailure {
    /// Opening (or re-opening) the session failed: unreachable, key refused, bad model...
    #[error("{0}")]
    Handshake(HandshakeError),
    /// The provider closed the connection or it broke mid-call.
    #[error("the provider closed the session: {0}")]
    Closed(String),
    /// The session's task is gone (it failed or was closed before this command).
    #[error("the provider session has ended")]
    Ended,
}

/// What the provider says, normalized.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderEvent {
    /// Agent audio in the session's output format, left in the provider's `message` that
    /// carries it: the bridge's transcoder (`bridge::Transcoder`) reads the base64 straight from
    /// the text, once. `item_id` names the OpenAI item (for truncation); Gemini has none.
    Audio {
        item_id: Option<String>,
        message: String,
    },
    /// The caller started speaking (OpenAI): stop playback and truncate the agent's item.
    SpeechStarted,
    /// The provider cut its own answer because the caller spoke (Gemini): stop playback.
    Interrupted,
    /// The agent finished its turn.
    ResponseDone,
    /// Part of a transcript.
    TranscriptDelta { speaker: Speaker, text: String },
    /// A whole utterance.
    TranscriptDone { speaker: Speaker, text: String },
    /// The model calls a tool. `arguments` is the JSON it gave (a string when it was not JSON);
    /// answer with [`ProviderSession::send_tool_result`], even for errors.
    ToolCall {
        call_id: String,
        name: String,
        arguments: serde_json::Value,
    },
    /// The provider withdrew these tool calls (Gemini): do not answer them.
    ToolCallsCancelled { call_ids: Vec<String> },
    /// Tokens used.
    Usage(Usage),
    /// A recoverable error reported by the provider (e.g. a rejected truncate); the session goes on.
    Error { code: String, message: String },
    /// The provider asked to move and the session resumed on a new connection (Gemini).
    Resumed,
    /// The session is over; this is the last event.
    Failed(ProviderFailure),
}

/// What the bridge asks of the provider.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderCommand {
    /// Caller audio in the session's input format.
    Audio(Vec<u8>),
    /// A message already in the provider's wire format (the bridge's transcoder writes the
    /// caller's audio messages itself): sent as it is.
    Encoded(String),
    /// The caller heard only `audio_end_ms` of `item_id` (OpenAI; ignored by Gemini).
    Truncate { item_id: String, audio_end_ms: u32 },
    /// A tool's answer (or its error, as JSON for the model to read).
    ToolResult {
        call_id: String,
        name: String,
        output: serde_json::Value,
        /// Ask for a new response after it (OpenAI; Gemini always goes on by itself). False for
        /// `end_call`: the goodbye has been said.
        respond: bool,
    },
    /// Make the agent speak first: the greeting.
    Greet,
    /// Close the connection and end the task.
    Close,
}

/// What a [`Wire`] made of one server message.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Decoded {
    pub events: Vec<ProviderEvent>,
    /// The provider asked to move: reconnect now (with [`Wire::open`]).
    pub reconnect: bool,
}

/// One provider's wire format and handshake; the socket loop is shared.
#[async_trait::async_trait]
pub(crate) trait Wire: Send + 'static {
    /// Opens a connection and completes the handshake (resuming when it can).
    async fn open(&mut self) -> Result<Socket, HandshakeError>;
    /// The JSON messages that carry out `command` (none when it means nothing here).
    fn encode(&mut self, command: ProviderCommand) -> Vec<serde_json::Value>;
    /// The events in one JSON message; unknown or malformed ones are logged and skipped.
    fn decode(&mut self, text: &str) -> Decoded;
    /// Whether a lost connection can be resumed on a new one.
    fn resumable(&self) -> bool {
        false
    }
}

/// A live provider session: send commands, receive events. Dropping it ends the session.
pub struct ProviderSession {
    commands: mpsc::Sender<ProviderCommand>,
    events: mpsc::Receiver<ProviderEvent>,
    input: AudioFormat,
    output: AudioFormat,
    /// The task owning the socket; aborted on drop so it cannot outlive the call.
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ProviderSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSession")
            .field("input", &self.input)
            .field("output", &self.output)
            .finish_non_exhaustive()
    }
}

impl ProviderSession {
    /// Starts the task for an opened `socket`.
    pub(crate) fn spawn<W: Wire>(
        wire: W,
        socket: Socket,
        input: AudioFormat,
        output: AudioFormat,
    ) -> Self {
        let (commands, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, events) = mpsc::channel(EVENT_CAPACITY);
        let task = tokio::spawn(run(wire, socket, command_rx, event_tx));
        ProviderSession {
            commands,
            events,
            input,
            output,
            task: Some(task),
        }
    }

    /// A session whose other end is plain channels instead of a provider socket: the bridge's
    /// tests drive it, and an agent that runs in-process could too. Nothing to abort on drop.
    pub fn from_channels(
        commands: mpsc::Sender<ProviderCommand>,
        events: mpsc::Receiver<ProviderEvent>,
        input: AudioFormat,
        output: AudioFormat,
    ) -> Self {
        ProviderSession {
            commands,
            events,
            input,
            output,
            task: None,
        }
    }

    /// The format [`send_audio`](Self::send_audio) expects.
    pub fn input_format(&self) -> AudioFormat {
        self.input
    }

    /// The format of [`ProviderEvent::Audio`].
    pub fn output_format(&self) -> AudioFormat {
        self.output
    }

    /// Sends a command; waits while the task is busy (backpressure, e.g. during a reconnection).
    pub async fn send(&self, command: ProviderCommand) -> Result<(), ProviderFailure> {
        self.commands
            .send(command)
            .await
            .map_err(|_| ProviderFailure::Ended)
    }

    /// Caller audio, in [`input_format`](Self::input_format).
    pub async fn send_audio(&self, audio: Vec<u8>) -> Result<(), ProviderFailure> {
        self.send(ProviderCommand::Audio(audio)).await
    }

    /// A message already in the provider's wire format (see [`ProviderCommand::Encoded`]).
    pub async fn send_encoded(&self, message: String) -> Result<(), ProviderFailure> {
        self.send(ProviderCommand::Encoded(message)).await
    }

    /// Makes the agent say the greeting.
    pub async fn greet(&self) -> Result<(), ProviderFailure> {
        self.send(ProviderCommand::Greet).await
    }

    /// The caller heard `audio_end_ms` of the agent's `item_id` (barge-in).
    pub async fn truncate(&self, item_id: &str, audio_end_ms: u32) -> Result<(), ProviderFailure> {
        let item_id = item_id.to_owned();
        self.send(ProviderCommand::Truncate {
            item_id,
            audio_end_ms,
        })
        .await
    }

    /// Answers the tool call `call_id` of tool `name`; `respond`: see
    /// [`ProviderCommand::ToolResult`].
    pub async fn send_tool_result(
        &self,
        call_id: &str,
        name: &str,
        output: serde_json::Value,
        respond: bool,
    ) -> Result<(), ProviderFailure> {
        let (call_id, name) = (call_id.to_owned(), name.to_owned());
        self.send(ProviderCommand::ToolResult {
            call_id,
            name,
            output,
            respond,
        })
        .await
    }

    /// The next event; `None` once the session has ended. Cancel-safe (for `select!`).
    pub async fn recv(&mut self) -> Option<ProviderEvent> {
        self.events.recv().await
    }

    /// Closes the connection and waits (at most [`CLOSE_WAIT`]) for the task to end; events not
    /// yet received are dropped.
    pub async fn close(mut self) {
        // A task blocked on a full event queue must not hold up the close.
        self.events.close();
        let Some(mut task) = self.task.take() else {
            return;
        };
        let commands = &self.commands;
        let ended = async {
            let _ = commands.send(ProviderCommand::Close).await;
            let _ = (&mut task).await;
        };
        if tokio::time::timeout(CLOSE_WAIT, ended).await.is_err() {
            task.abort();
        }
    }
}

impl Drop for ProviderSession {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What came off the socket.
enum Incoming {
    Text(String),
    Skip,
    Ended(String),
}

fn incoming(message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Incoming {
    match message {
        Some(Ok(Message::Text(text))) => Incoming::Text(text.to_string()),
        Some(Ok(Message::Binary(bytes))) => match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Incoming::Text(text),
            Err(_) => Incoming::Skip,
        },
        Some(Ok(Message::Close(Some(frame)))) => {
            Incoming::Ended(format!("{} {}", u16::from(frame.code), frame.reason))
        }
        Some(Ok(Message::Close(None))) | None => Incoming::Ended("without a reason".into()),
        Some(Ok(_)) => Incoming::Skip,
        Some(Err(e)) => Incoming::Ended(e.to_string()),
    }
}

/// The session task: forwards commands to the socket and events to the bridge until either
/// side ends, resuming on a new connection when the wire can. Ends with `Failed` unless the
/// bridge closed or dropped the session.
async fn run<W: Wire>(
    mut wire: W,
    mut socket: Socket,
    mut commands: mpsc::Receiver<ProviderCommand>,
    events: mpsc::Sender<ProviderEvent>,
) {
    let failure = loop {
        let lost = tokio::select! {
            command = commands.recv() => {
                let Some(command) = command.filter(|c| *c != ProviderCommand::Close) else {
                    break None;
                };
                let texts: Vec<String> = match command {
                    ProviderCommand::Encoded(text) => vec![text],
                    command => wire.encode(command).iter().map(Value::to_string).collect(),
                };
                let mut lost = None;
                for text in texts {
                    if let Err(e) = socket.send(Message::Text(text.into())).await {
                        lost = Some(e.to_string());
                        break;
                    }
                }
                lost
            }
            message = socket.next() => match incoming(message) {
                Incoming::Skip => None,
                Incoming::Ended(reason) => Some(reason),
                Incoming::Text(text) => {
                    let decoded = wire.decode(&text);
                    for event in decoded.events {
                        if events.send(event).await.is_err() {
                            return; // The bridge is gone.
                        }
                    }
                    decoded.reconnect.then(|| "the provider asked to reconnect".to_owned())
                }
            },
        };
        let Some(reason) = lost else { continue };
        if !wire.resumable() {
            break Some(ProviderFailure::Closed(reason));
        }
        tracing::info!(%reason, "resuming the provider session on a new connection");
        let _ = socket.close(None).await;
        match wire.open().await {
            Ok(resumed) => socket = resumed,
            Err(e) => break Some(ProviderFailure::Handshake(e)),
        }
        if events.send(ProviderEvent::Resumed).await.is_err() {
            return;
        }
    };
    let _ = socket.close(None).await;
    if let Some(failure) = failure {
        tracing::warn!(%failure, "provider session failed");
        let _ = events.send(ProviderEvent::Failed(failure)).await;
    }
}
