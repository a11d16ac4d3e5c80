//! The task that runs one stream: the only owner of the socket. One loop, three inputs: the
//! 20 ms clock (send a caller frame, play a frame of agent audio, echo marks that fell due),
//! the server's messages (queue audio and marks, honour `clear`; anything malformed is logged
//! and skipped), and the engine's commands (`dtmf`, `stop`; the channel closing means the leg
//! was dropped). Generic over the socket, so it runs on any `Sink`/`Stream` of messages.
//!
//! The clock is a `tokio::time::interval` with `MissedTickBehavior::Burst`: a phone line
//! produces 50 frames a second whatever happens, so when the task is late (a busy runtime) it
//! catches up with the frames it owes instead of dropping them (`Skip`) or slowing the whole
//! stream (`Delay`); `chunk` and `timestamp` stay equal to the audio time sent, as Twilio's do.

use super::playout::{Playout, FRAME_BYTES};
use super::wire::{self, DtmfBody, MediaBody, MediaFormat, NameBody, Sent, StartBody, StopBody};
use super::{Command, StreamEnd, StreamParams, FRAME_DURATION};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// mu-law silence (the code for +0), what a quiet line carries.
const SILENCE: u8 = 0xFF;
/// How long the server has to answer our close frame after `stop`.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Who the stream is: what every message carries.
pub(super) struct Identity {
    account_sid: String,
    call_sid: String,
    stream_sid: String,
    parameters: Vec<(String, String)>,
}

impl From<StreamParams> for Identity {
    fn from(params: StreamParams) -> Self {
        Identity {
            account_sid: params.account_sid,
            call_sid: params.call_sid,
            stream_sid: params.stream_sid,
            parameters: params.parameters,
        }
    }
}

/// The engine's ends of the leg.
pub(super) struct Channels {
    pub(super) caller_audio: mpsc::Receiver<Vec<u8>>,
    pub(super) agent_audio: mpsc::Sender<Vec<u8>>,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) ended: watch::Sender<Option<StreamEnd>>,
}

/// The caller's microphone: chunks from the engine cut into 20 ms frames.
struct Microphone {
    pending: VecDeque<u8>,
}

impl Microphone {
    /// The next frame: 160 bytes of what the engine sent, padded with silence when it sent less
    /// (all silence when it sent nothing). Pulls from the channel only as needed, so a fast
    /// engine is held back by the channel's bound instead of growing a buffer.
    fn frame(&mut self, from: &mut mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
        while self.pending.len() < FRAME_BYTES {
            match from.try_recv() {
                Ok(chunk) => self.pending.extend(chunk),
                Err(_) => break,
            }
        }
        let take = self.pending.len().min(FRAME_BYTES);
        let mut frame: Vec<u8> = self.pending.drain(..take).collect();
        frame.resize(FRAME_BYTES, SILENCE);
        frame
    }
}

/// The running stream.
pub(super) struct Runner<S> {
    socket: S,
    id: Identity,
    channels: Channels,
    /// The last `sequenceNumber` sent (`start` is 1).
    sequence: u64,
    /// The last inbound `chunk` sent.
    chunk: u64,
    playout: Playout,
    microphone: Microphone,
}

impl<S> Runner<S>
where
    S: Sink<Message, Error = WsError> + Stream<Item = Result<Message, WsError>> + Unpin,
{
    pub(super) fn new(socket: S, id: Identity, channels: Channels) -> Self {
        Runner {
            socket,
            id,
            channels,
            sequence: 0,
            chunk: 0,
            playout: Playout::new(),
            microphone: Microphone {
                pending: VecDeque::new(),
            },
        }
    }

    fn next_sequence(&mut self) -> String {
        self.sequence += 1;
        self.sequence.to_string()
    }

    async fn send(&mut self, message: &Sent<'_>) -> Result<(), WsError> {
        self.socket.send(Message::text(message.to_json())).await
    }

    /// Sends `connected` then `start`.
    pub(super) async fn start(&mut self) -> Result<(), WsError> {
        let connected = Sent::Connected {
            protocol: "Call",
            version: "1.0.0",
        };
        self.send(&connected).await?;
        let sequence_number = self.next_sequence();
        let custom_parameters: BTreeMap<&str, &str> = self
            .id
            .parameters
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let json = Sent::Start {
            sequence_number,
            start: StartBody {
                account_sid: &self.id.account_sid,
                stream_sid: &self.id.stream_sid,
                call_sid: &self.id.call_sid,
                tracks: ["inbound"],
                custom_parameters,
                media_format: MediaFormat::MULAW_8K,
            },
            stream_sid: &self.id.stream_sid,
        }
        .to_json();
        self.socket.send(Message::text(json)).await
    }

    /// Runs the stream until it ends, and reports how.
    pub(super) async fn run(mut self) {
        let end = self.run_loop().await;
        tracing::info!(stream_sid = %self.id.stream_sid, ?end, "sandbox media stream ended");
        self.channels.ended.send_replace(Some(end));
    }

    async fn run_loop(&mut self) -> StreamEnd {
        let started = Instant::now();
        let mut clock = tokio::time::interval(FRAME_DURATION);
        clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
        loop {
            let outcome = tokio::select! {
                command = self.channels.commands.recv() => match command {
                    Some(Command::Dtmf(digit)) => self.send_dtmf(digit).await,
                    Some(Command::Stop) => return self.hang_up(StreamEnd::Stopped).await,
                    None => return self.hang_up(StreamEnd::Dropped).await,
                },
                frame = self.socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.received(text.as_str()).await,
                    Some(Ok(Message::Close(frame))) => return closed_by_server(frame),
                    Some(Ok(_)) => Ok(()),
                    Some(Err(error)) => return StreamEnd::Broken(error.to_string()),
                    None => return closed_by_server(None),
                },
                tick = clock.tick() => self.tick(tick.saturating_duration_since(started)).await,
            };
            if let Err(error) = outcome {
                return match error {
                    WsError::ConnectionClosed | WsError::AlreadyClosed => closed_by_server(None),
                    other => StreamEnd::Broken(other.to_string()),
                };
            }
        }
    }

    /// One 20 ms tick: a caller frame out, marks due echoed, a frame of agent audio played.
    async fn tick(&mut self, since_start: Duration) -> Result<(), WsError> {
        let frame = self.microphone.frame(&mut self.channels.caller_audio);
        self.chunk += 1;
        let media = MediaBody::inbound(self.chunk, since_start.as_millis() as u64, &frame);
        let sequence_number = self.next_sequence();
        let json = Sent::Media {
            sequence_number,
            media,
            stream_sid: &self.id.stream_sid,
        }
        .to_json();
        self.socket.send(Message::text(json)).await?;

        let played = self.playout.tick();
        for name in played.marks {
            self.echo_mark(name).await?;
        }
        if let Some(frame) = played.frame {
            if let Err(mpsc::error::TrySendError::Full(_)) =
                self.channels.agent_audio.try_send(frame)
            {
                tracing::debug!(
                    "sandbox stream: the engine is not reading agent audio; frame dropped"
                );
            }
        }
        Ok(())
    }

    /// Handles a text frame from the server.
    async fn received(&mut self, text: &str) -> Result<(), WsError> {
        match wire::parse(text, &self.id.stream_sid) {
            Ok(wire::Received::Media(audio)) => {
                let dropped = self.playout.push_audio(&audio);
                if dropped > 0 {
                    tracing::warn!(
                        dropped,
                        "sandbox stream: over 5 minutes of audio queued; excess dropped"
                    );
                }
                Ok(())
            }
            Ok(wire::Received::Mark(name)) => {
                self.playout.push_mark(name);
                Ok(())
            }
            Ok(wire::Received::Clear) => {
                for name in self.playout.clear() {
                    self.echo_mark(name).await?;
                }
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "sandbox stream: malformed message from the server skipped");
                Ok(())
            }
        }
    }

    async fn echo_mark(&mut self, name: String) -> Result<(), WsError> {
        let sequence_number = self.next_sequence();
        let json = Sent::Mark {
            sequence_number,
            stream_sid: &self.id.stream_sid,
            mark: NameBody { name },
        }
        .to_json();
        self.socket.send(Message::text(json)).await
    }

    async fn send_dtmf(&mut self, digit: char) -> Result<(), WsError> {
        let sequence_number = self.next_sequence();
        let json = Sent::Dtmf {
            stream_sid: &self.id.stream_sid,
            sequence_number,
            dtmf: DtmfBody {
                track: "inbound_track",
                digit: digit.to_string(),
            },
        }
        .to_json();
        self.socket.send(Message::text(json)).await
    }

    /// Sends `stop`, closes the socket and waits (briefly) for the server's close frame.
    async fn hang_up(&mut self, end: StreamEnd) -> StreamEnd {
        let sequence_number = self.next_sequence();
        let json = Sent::Stop {
            sequence_number,
            stop: StopBody {
                account_sid: &self.id.account_sid,
                call_sid: &self.id.call_sid,
            },
            stream_sid: &self.id.stream_sid,
        }
        .to_json();
        if let Err(error) = self.socket.send(Message::text(json)).await {
            return match error {
                WsError::ConnectionClosed | WsError::AlreadyClosed => closed_by_server(None),
                other => StreamEnd::Broken(other.to_string()),
            };
        }
        let close = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        // The server may have closed first; the stream is over either way.
        let _ = self.socket.send(Message::Close(Some(close))).await;
        let drain = async { while let Some(Ok(_)) = self.socket.next().await {} };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, drain).await;
        end
    }
}

/// The end for a close from the server (`None`: the socket ended without a close frame).
fn closed_by_server(frame: Option<CloseFrame>) -> StreamEnd {
    match frame {
        Some(frame) => StreamEnd::ClosedByServer {
            code: Some(u16::from(frame.code)),
            reason: frame.reason.to_string(),
        },
        None => StreamEnd::ClosedByServer {
            code: None,
            reason: String::new(),
        },
    }
}
