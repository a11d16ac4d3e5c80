//! One simulated Twilio call, as Twilio plays it once the callee answers: the signed voice
//! webhook (TwiML with the `callId` and `token` parameters), the signed Media Streams upgrade,
//! `connected` and `start`, then one `media` frame every 20 ms for the call's length, then `stop`.
//! Agent audio coming back is counted and each `mark` is echoed, as Twilio does once the audio
//! before it has played.

use crate::fakes::{ACCOUNT_SID, AUTH_TOKEN};
use crate::frame;
use futures_util::{SinkExt, StreamExt};
use server::twilio::signature;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Twilio's frame period.
const FRAME: Duration = Duration::from_millis(20);
/// How long a call waits for the server to close the stream after `stop`.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A placed call, ready to be answered.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The call's number in this run (written into its frames).
    pub index: u32,
    pub order_id: i64,
    pub call_id: i64,
    pub sid: String,
}

/// What one call's Twilio side saw.
#[derive(Debug, Default)]
pub struct CallReport {
    /// Caller frames sent.
    pub sent: u64,
    /// Agent `media` frames received.
    pub agent_frames: u64,
    /// How late each send was against its 20 ms tick, in microseconds.
    pub lateness_us: Vec<u32>,
    /// Why the call could not run, if it could not.
    pub error: Option<String>,
}

/// Answers `call` at `base` (`http://127.0.0.1:port`) and streams `length` of audio.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    call: &Placed,
    length: Duration,
) -> CallReport {
    match answer(http, base, call).await {
        Ok(socket) => stream(socket, call, length).await,
        Err(error) => CallReport {
            error: Some(format!("{error:#}")),
            ..CallReport::default()
        },
    }
}

async fn answer(http: &reqwest::Client, base: &str, call: &Placed) -> anyhow::Result<Socket> {
    let url = format!(
        "{base}/api/v1/orders/{}/twilio-voice?call={}",
        call.order_id, call.call_id
    );
    let params = vec![
        ("CallSid".to_owned(), call.sid.clone()),
        ("CallStatus".to_owned(), "in-progress".to_owned()),
        ("AnsweredBy".to_owned(), "human".to_owned()),
    ];
    let response = http
        .post(&url)
        .header(
            "x-twilio-signature",
            signature::sign(AUTH_TOKEN, &url, &params),
        )
        .form(&params)
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "voice webhook: {}",
        response.status()
    );
    let twiml = response.text().await?;
    let (call_id, token) = (parameter(&twiml, "callId")?, parameter(&twiml, "token")?);
    let mut socket = open_stream(base, call.order_id).await?;
    let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#.to_owned();
    let start = format!(
        r#"{{"event":"start","sequenceNumber":"1","start":{{"accountSid":"{ACCOUNT_SID}","streamSid":"{sid}","callSid":"{call_sid}","tracks":["inbound"],"mediaFormat":{{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"customParameters":{{"callId":"{call_id}","token":"{token}"}}}},"streamSid":"{sid}"}}"#,
        sid = stream_sid(call),
        call_sid = call.sid,
    );
    for text in [connected, start] {
        socket.send(Message::Text(text.into())).await?;
    }
    Ok(socket)
}

fn stream_sid(call: &Placed) -> String {
    format!("MZ{:032x}", call.index)
}

/// The value of a `<Parameter>` in TwiML.
fn parameter(twiml: &str, name: &str) -> anyhow::Result<String> {
    twiml
        .split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no {name} parameter in the TwiML"))
}

/// The signed upgrade; while the server's slots for unauthenticated sockets are full (503) it
/// tries again shortly, as the ramp should make rare.
async fn open_stream(base: &str, order_id: i64) -> anyhow::Result<Socket> {
    let url = format!(
        "{}/api/v1/orders/{order_id}/twilio-media",
        base.replacen("http://", "ws://", 1)
    );
    let signed = signature::sign(AUTH_TOKEN, &url, &[]);
    for _ in 0..100 {
        let mut request = url.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("x-twilio-signature", signed.parse()?);
        match tokio_tungstenite::connect_async_with_config(request, None, true).await {
            Ok((socket, _)) => return Ok(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response))
                if response.status() == 503 =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
    anyhow::bail!("the media endpoint stayed busy (503)")
}

fn media(call: &Placed, seq: u32) -> String {
    let sid = stream_sid(call);
    format!(
        r#"{{"event":"media","sequenceNumber":"{}","media":{{"track":"inbound","chunk":"{}","timestamp":"{}","payload":"{}"}},"streamSid":"{sid}"}}"#,
        seq + 2,
        seq + 1,
        seq * 20,
        frame::payload(call.index, seq)
    )
}

/// Sends a frame every 20 ms (missed ticks are sent at once, `MissedTickBehavior::Burst`, so
/// the average rate stays real time as Twilio's does) while reading what comes back.
async fn stream(mut socket: Socket, call: &Placed, length: Duration) -> CallReport {
    let mut report = CallReport::default();
    let frames = u32::try_from(length.as_millis() / FRAME.as_millis()).unwrap_or(u32::MAX);
    let first = Instant::now();
    let mut ticks = tokio::time::interval_at(first, FRAME);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut seq = 0u32;
    while seq < frames {
        tokio::select! {
            biased;
            _ = ticks.tick() => {
                let due = first + FRAME * seq;
                let late = Instant::now().saturating_duration_since(due).as_micros();
                report.lateness_us.push(u32::try_from(late).unwrap_or(u32::MAX));
                if let Err(error) = socket.send(Message::Text(media(call, seq).into())).await {
                    report.error = Some(format!("sending frame {seq}: {error}"));
                    return report;
                }
                report.sent += 1;
                seq += 1;
            }
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Err(error) = on_server(&mut socket, call, &text, &mut report).await {
                        report.error = Some(format!("echoing a mark: {error}"));
                        return report;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    report.error = Some(format!("the server closed the stream after {seq} frames"));
                    return report;
                }
            },
        }
    }
    let stop = format!(
        r#"{{"event":"stop","sequenceNumber":"{}","stop":{{"accountSid":"{ACCOUNT_SID}","callSid":"{}"}},"streamSid":"{}"}}"#,
        frames + 2,
        call.sid,
        stream_sid(call)
    );
    let _ = socket.send(Message::Text(stop.into())).await;
    let drained = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                if text.contains(r#""event":"media""#) {
                    report.agent_frames += 1;
                }
            }
        }
    });
    if drained.await.is_err() {
        report.error = Some("the server did not close the stream after stop".into());
    }
    report
}

/// A message from the server: agent audio is counted, a mark is echoed.
async fn on_server(
    socket: &mut Socket,
    call: &Placed,
    text: &str,
    report: &mut CallReport,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    if text.contains(r#""event":"media""#) {
        report.agent_frames += 1;
        return Ok(());
    }
    let Some(name) = text
        .contains(r#""event":"mark""#)
        .then(|| text.split(r#""name":""#).nth(1))
        .flatten()
        .and_then(|rest| rest.split('"').next())
    else {
        return Ok(());
    };
    let echo = format!(
        r#"{{"event":"mark","sequenceNumber":"0","streamSid":"{}","mark":{{"name":"{name}"}}}}"#,
        stream_sid(call)
    );
    socket.send(Message::Text(echo.into())).await
}
