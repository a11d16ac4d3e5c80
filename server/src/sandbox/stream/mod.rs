//! The Media Streams client leg of the sandbox: the WebSocket Twilio opens to a `<Stream url>`
//! once a call is answered, behaving as Twilio does (protocols.md 3.5 and 5), for the sandbox's
//! call engine. It does not place calls nor parse TwiML; it runs one stream.
//!
//! [`open`] connects with the upgrade signed (`X-Twilio-Signature` over the URL, no
//! parameters, with the account's auth token), sends `connected` and `start`, then hands the
//! engine a [`StreamLeg`]. A task owns the socket from then on (`task`): every 20 ms it sends one
//! `media` frame of the caller's audio (or mu-law silence when the microphone gave nothing),
//! plays the server's audio out at phone pace (`playout`), echoes marks when their audio has
//! played, honours `clear`, and sends `dtmf` and `stop` on request. `wire` holds the JSON.
//!
//! Like Twilio, the leg drops the query string of the Stream URL before connecting and signs
//! the URL it connects to.

mod playout;
mod task;
mod wire;

pub use playout::FRAME_BYTES;

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, http::HeaderValue};

/// The pace of the stream: one frame of [`FRAME_BYTES`] every 20 ms.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);
/// How long the server has to answer the upgrade (then 31901, as at Twilio).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames of agent audio waiting for the engine, at most (1 s); a slower engine loses frames,
/// as a loudspeaker would not wait.
const AGENT_AUDIO_FRAMES: usize = 50;
/// Chunks of caller audio the engine may queue ahead (1 s of 20 ms frames).
const CALLER_AUDIO_CHUNKS: usize = 50;

/// What the leg needs to open a stream.
#[derive(Debug, Clone)]
pub struct StreamParams {
    /// The `<Stream url>` (`ws://` or `wss://`).
    pub url: url::Url,
    /// The `<Parameter>`s, sent in `start.customParameters` (a later name wins).
    pub parameters: Vec<(String, String)>,
    /// The account the call belongs to (`AC...`).
    pub account_sid: String,
    /// The call (`CA...`).
    pub call_sid: String,
    /// The account's auth token, which signs the upgrade request.
    pub auth_token: SecretString,
    /// This stream's SID (`MZ` + 32 hex, see [`generate_stream_sid`]).
    pub stream_sid: String,
}

/// A fresh stream SID: `MZ` and 32 lowercase hex digits.
pub fn generate_stream_sid() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("MZ{}", hex::encode(bytes))
}

/// Why a stream could not be opened, with Twilio's error code ([`StreamError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// 31923: the URL cannot be connected to (no host, not a WebSocket URL).
    #[error("Stream - WebSocket - Malformed URL: {0}")]
    MalformedUrl(String),
    /// 31901: no answer to the connection request in [`CONNECT_TIMEOUT`].
    #[error("Stream - WebSocket - Connection Timeout")]
    Timeout,
    /// 31902: the host refused the connection.
    #[error("Stream - WebSocket - Connection Refused: {0}")]
    Refused(String),
    /// 31910: TLS failed.
    #[error("Stream - TLS error: {0}")]
    Tls(String),
    /// 31920: the server answered the upgrade with another status than 101.
    #[error("Stream - WebSocket - Handshake Error: HTTP {status}")]
    Handshake {
        /// The HTTP status the server answered.
        status: u16,
    },
    /// 31920: any other failure before the stream started (I/O, protocol).
    #[error("Stream - WebSocket - Handshake Error: {0}")]
    Connect(String),
}

impl StreamError {
    /// Twilio's error code for this failure.
    pub fn code(&self) -> u32 {
        match self {
            Self::MalformedUrl(_) => 31923,
            Self::Timeout => 31901,
            Self::Refused(_) => 31902,
            Self::Tls(_) => 31910,
            Self::Handshake { .. } | Self::Connect(_) => 31920,
        }
    }
}

/// How a started stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The engine called [`StreamLeg::stop`]: `stop` was sent and the socket closed.
    Stopped,
    /// The engine dropped the leg: `stop` was sent and the socket closed.
    Dropped,
    /// The server closed the socket, with this close code and reason when it sent a frame.
    ClosedByServer {
        /// The close code (1000 normal, 1008 policy...), `None` without a close frame.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// The socket failed.
    Broken(String),
}

/// Why a digit was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// Not one of `0-9`, `*`, `#`.
    #[error("{0:?} is not a DTMF digit")]
    InvalidDigit(char),
    /// The stream has ended (or too many digits are waiting to be sent).
    #[error("the stream is not running")]
    NotRunning,
}

/// A request from the engine to the leg's task.
#[derive(Debug)]
enum Command {
    Dtmf(char),
    Stop,
}

/// A running stream, for the call engine. Dropping it stops the stream (the task sends `stop`,
/// closes the socket and ends).
#[derive(Debug)]
pub struct StreamLeg {
    /// This stream's SID.
    pub stream_sid: String,
    /// The caller's microphone: mu-law 8 kHz bytes, any chunk size, sent at 20 ms pace.
    pub caller_audio: mpsc::Sender<Vec<u8>>,
    /// The agent's audio as the phone plays it: frames of up to [`FRAME_BYTES`], one per 20 ms.
    pub agent_audio: mpsc::Receiver<Vec<u8>>,
    /// Requests to the task; dropping it (with the leg) ends the task.
    commands: mpsc::Sender<Command>,
    /// How the stream ended, once it has.
    ended: watch::Receiver<Option<StreamEnd>>,
}

impl StreamLeg {
    /// Sends a key press (`0-9`, `*`, `#`) as a `dtmf` message.
    pub fn dtmf(&self, digit: char) -> Result<(), DtmfError> {
        if !(digit.is_ascii_digit() || digit == '*' || digit == '#') {
            return Err(DtmfError::InvalidDigit(digit));
        }
        self.commands
            .try_send(Command::Dtmf(digit))
            .map_err(|_| DtmfError::NotRunning)
    }

    /// Ends the stream as a hang-up does: sends `stop`, closes the socket, and returns how it
    /// ended (not [`StreamEnd::Stopped`] when the server had closed it first).
    pub async fn stop(self) -> StreamEnd {
        // A full or closed channel means the task is busy ending or has ended; either way the
        // end is reported below.
        let _ = self.commands.send(Command::Stop).await;
        Self::wait(self.ended).await
    }

    /// Waits until the stream ends (the server closed it, or it broke).
    pub async fn closed(&self) -> StreamEnd {
        Self::wait(self.ended.clone()).await
    }

    async fn wait(mut ended: watch::Receiver<Option<StreamEnd>>) -> StreamEnd {
        match ended.wait_for(Option::is_some).await {
            Ok(end) => end
                .clone()
                .unwrap_or(StreamEnd::Broken("no end recorded".into())),
            Err(_) => StreamEnd::Broken("the stream task ended without a report".into()),
        }
    }
}

/// The URL Twilio connects to: the Stream URL without its query string or fragment.
fn connect_url(url: &url::Url) -> Result<url::Url, StreamError> {
    if !matches!(url.scheme(), "ws" | "wss") || url.host_str().is_none_or(str::is_empty) {
        return Err(StreamError::MalformedUrl(url.to_string()));
    }
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Maps a connection failure to Twilio's error.
fn connect_error(error: tungstenite::Error) -> StreamError {
    match error {
        tungstenite::Error::Http(response) => StreamError::Handshake {
            status: response.status().as_u16(),
        },
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            StreamError::Refused(io.to_string())
        }
        tungstenite::Error::Tls(tls) => StreamError::Tls(tls.to_string()),
        tungstenite::Error::Url(url) => StreamError::MalformedUrl(url.to_string()),
        other => StreamError::Connect(other.to_string()),
    }
}

/// Opens the stream: connects with the signed upgrade, sends `connected` and `start`, and
/// starts the task that runs it.
pub async fn open(params: StreamParams) -> Result<StreamLeg, StreamError> {
    let url = connect_url(&params.url)?;
    let signature =
        crate::twilio::signature::sign(params.auth_token.expose_secret(), url.as_str(), &[]);
    let mut request = url.as_str().into_client_request().map_err(connect_error)?;
    let signature = HeaderValue::from_str(&signature)
        .map_err(|error| StreamError::Connect(error.to_string()))?;
    request
        .headers_mut()
        .insert("x-twilio-signature", signature);
    let connecting = tokio_tungstenite::connect_async(request);
    let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| StreamError::Timeout)?
        .map_err(connect_error)?;

    let (caller_tx, caller_rx) = mpsc::channel(CALLER_AUDIO_CHUNKS);
    let (agent_tx, agent_rx) = mpsc::channel(AGENT_AUDIO_FRAMES);
    let (commands_tx, commands_rx) = mpsc::channel(32);
    let (ended_tx, ended_rx) = watch::channel(None);
    let stream_sid = params.stream_sid.clone();
    let channels = task::Channels {
        caller_audio: caller_rx,
        agent_audio: agent_tx,
        commands: commands_rx,
        ended: ended_tx,
    };
    let mut runner = task::Runner::new(socket, task::Identity::from(params), channels);
    runner.start().await.map_err(connect_error)?;
    tokio::spawn(runner.run());
    Ok(StreamLeg {
        stream_sid,
        caller_audio: caller_tx,
        agent_audio: agent_rx,
        commands: commands_tx,
        ended: ended_rx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_sids_are_mz_and_32_hex_digits() {
        let sid = generate_stream_sid();
        assert_eq!(sid.len(), 34);
        assert!(sid.starts_with("MZ"));
        assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(sid, generate_stream_sid());
    }

    #[test]
    fn the_connect_url_drops_the_query_and_refuses_other_schemes() {
        let url = url::Url::parse("wss://d.example/media?ticket=1#x").unwrap();
        assert_eq!(connect_url(&url).unwrap().as_str(), "wss://d.example/media");
        let https = url::Url::parse("https://d.example/media").unwrap();
        assert_eq!(connect_url(&https).unwrap_err().code(), 31923);
    }
}
