//! Opening a realtime session and completing its handshake: the first steps of every call's
//! provider session (`openai_open`, `gemini_open`), and the "Test connection" checks, which stop
//! there and close.
//! - OpenAI Realtime (GA): connect `{url}?model=...` with `Authorization: Bearer`, wait for
//!   `session.created`, send `session.update`, wait for `session.updated` (or an `error` event).
//! - Gemini Live: connect `{url}` with `x-goog-api-key`, send `setup`, wait for `setupComplete`
//!   (errors arrive as a close frame with a reason).

use super::network::{host_and_port, wait_words, NetworkFailure, NetworkProblem};
use futures_util::{SinkExt, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Where each provider's address comes from, named when it cannot be reached.
const OPENAI_URL_SETTING: &str = "OPENAI_REALTIME_URL";
const GEMINI_URL_SETTING: &str = "GEMINI_LIVE_URL";

/// Why a handshake failed, in words for the settings page.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The connection could not be opened: DNS, refused, no route, TLS, timeout...
    #[error("{0}")]
    Connect(NetworkFailure),
    /// The configured URL cannot be used at all.
    #[error("{setting} is not a usable WebSocket URL: {reason}")]
    BadUrl {
        setting: &'static str,
        reason: String,
    },
    /// The key cannot even be put in a header.
    #[error("the API key has characters that cannot be sent; paste it again")]
    BadKey,
    /// The provider refused the API key: HTTP 401/403 on the upgrade, or a close saying so.
    #[error("the API key was refused ({0})")]
    KeyRefused(String),
    #[error("the provider refused: {0}")]
    Refused(String),
    #[error("the connection closed: {0}")]
    Closed(String),
    /// Connected, then silence.
    #[error("connected, but no answer within {}", wait_words(*.0))]
    Timeout(Duration),
    #[error("unexpected message: {0}")]
    Protocol(String),
}

/// An open provider WebSocket.
pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the WebSocket with `header` added, within `wait`.
async fn connect(
    url: &str,
    header: (&'static str, String),
    setting: &'static str,
    wait: Duration,
) -> Result<Socket, HandshakeError> {
    let bad_url = |reason: String| HandshakeError::BadUrl { setting, reason };
    let parsed = url::Url::parse(url).map_err(|e| bad_url(e.to_string()))?;
    let mut request = url
        .into_client_request()
        .map_err(|e| bad_url(e.to_string()))?;
    let value = HeaderValue::from_str(&header.1).map_err(|_| HandshakeError::BadKey)?;
    request.headers_mut().insert(header.0, value);
    let host = host_and_port(&parsed);
    match tokio::time::timeout(wait, open(request, &parsed, &host, setting)).await {
        Ok(result) => result,
        Err(_) => Err(HandshakeError::Connect(NetworkFailure::timeout(
            host, setting, wait,
        ))),
    }
}

/// Opens the socket step by step (name lookup, TCP, then TLS and the upgrade) so a failure says
/// which step failed; `connect_async` would report all of them as one "IO error".
async fn open(
    request: Request,
    url: &url::Url,
    host: &str,
    setting: &'static str,
) -> Result<Socket, HandshakeError> {
    let failure = |problem: NetworkProblem, detail: String| {
        HandshakeError::Connect(NetworkFailure::new(problem, host, setting, detail))
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| failure(NetworkProblem::Dns, e.to_string()))?
            .collect(),
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::from((ip, port))],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::from((ip, port))],
        None => {
            return Err(HandshakeError::BadUrl {
                setting,
                reason: "it has no host".into(),
            })
        }
    };
    if addresses.is_empty() {
        return Err(failure(NetworkProblem::Dns, "no address found".into()));
    }
    let tcp = tokio::net::TcpStream::connect(&addresses[..])
        .await
        .map_err(|e| {
            HandshakeError::Connect(NetworkFailure::from_error(&e, false, host, setting))
        })?;
    // Audio goes out in small messages every 20 ms: with Nagle's algorithm a message waits for
    // the ACK of the previous one (delayed up to 40 ms by the peer), which added about 20 ms to
    // one caller frame in ten in the bridge benchmark.
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::warn!(%error, "cannot set TCP_NODELAY on the provider connection");
    }
    let tls = url.scheme() == "wss";
    match tokio_tungstenite::client_async_tls(request, tcp).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => Err(refusal(&response)),
        Err(WsError::Io(e)) => Err(HandshakeError::Connect(NetworkFailure::from_error(
            &e, tls, host, setting,
        ))),
        Err(WsError::Tls(e)) => Err(failure(NetworkProblem::Tls, e.to_string())),
        Err(WsError::Url(e)) => Err(HandshakeError::BadUrl {
            setting,
            reason: e.to_string(),
        }),
        Err(e) => Err(failure(
            NetworkProblem::Other,
            format!("it did not open a WebSocket session ({e})"),
        )),
    }
}

/// An HTTP answer instead of the upgrade: 401/403 mean the key; OpenAI explains in
/// `{"error":{"message":...}}`, others in the body's first words.
fn refusal(response: &Response) -> HandshakeError {
    let status = response.status().as_u16();
    let body = response
        .body()
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.trim().chars().take(200).collect());
    let text = if message.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {message}")
    };
    match status {
        401 | 403 => HandshakeError::KeyRefused(text),
        _ => HandshakeError::Refused(text),
    }
}

/// Reads the next JSON message (text, or binary holding JSON as Gemini may send).
async fn next_json(socket: &mut Socket, wait: Duration) -> Result<Value, HandshakeError> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .map_err(|_| HandshakeError::Timeout(wait))?;
        let text = match message {
            None => return Err(HandshakeError::Closed("without a reason".into())),
            Some(Err(e)) => return Err(HandshakeError::Closed(e.to_string())),
            Some(Ok(Message::Text(text))) => text.to_string(),
            Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
            Some(Ok(Message::Close(frame))) => {
                let reason = frame
                    .map(|f| format!("{} {}", u16::from(f.code), f.reason))
                    .unwrap_or_else(|| "without a reason".into());
                return Err(HandshakeError::Closed(reason));
            }
            Some(Ok(_)) => continue,
        };
        return serde_json::from_str(&text)
            .map_err(|_| HandshakeError::Protocol(text.chars().take(200).collect()));
    }
}

fn openai_error(event: &Value) -> HandshakeError {
    let error = &event["error"];
    HandshakeError::Refused(format!(
        "{} ({})",
        error["message"].as_str().unwrap_or("error"),
        error["code"]
            .as_str()
            .or(error["type"].as_str())
            .unwrap_or("unknown")
    ))
}

/// Completes an OpenAI Realtime handshake; returns the session's model.
pub async fn openai(
    base_url: &str,
    api_key: &SecretString,
    model: &str,
    wait: Duration,
) -> Result<String, HandshakeError> {
    let session = json!({"type": "realtime", "model": model, "output_modalities": ["audio"]});
    let (mut socket, model) = openai_open(base_url, api_key, model, session, wait).await?;
    let _ = socket.close(None).await;
    Ok(model)
}

/// Connects to OpenAI Realtime, waits for `session.created`, sends `session.update` with
/// `session`, and waits for `session.updated`; returns the open socket and the session's model.
pub(crate) async fn openai_open(
    base_url: &str,
    api_key: &SecretString,
    model: &str,
    session: Value,
    wait: Duration,
) -> Result<(Socket, String), HandshakeError> {
    let mut url = url::Url::parse(base_url).map_err(|e| HandshakeError::BadUrl {
        setting: OPENAI_URL_SETTING,
        reason: e.to_string(),
    })?;
    url.query_pairs_mut().append_pair("model", model);
    let mut socket = connect(
        url.as_str(),
        (
            "authorization",
            format!("Bearer {}", api_key.expose_secret()),
        ),
        OPENAI_URL_SETTING,
        wait,
    )
    .await?;
    let created = next_json(&mut socket, wait).await?;
    match created["type"].as_str() {
        Some("session.created") => {}
        Some("error") => return Err(openai_error(&created)),
        _ => return Err(HandshakeError::Protocol(created.to_string())),
    }
    let update = json!({"type": "session.update", "session": session});
    socket
        .send(Message::Text(update.to_string().into()))
        .await
        .map_err(|e| HandshakeError::Closed(e.to_string()))?;
    loop {
        let event = next_json(&mut socket, wait).await?;
        match event["type"].as_str() {
            Some("session.updated") => {
                let model = event["session"]["model"].as_str().unwrap_or(model);
                return Ok((socket, model.to_owned()));
            }
            Some("error") => return Err(openai_error(&event)),
            _ => continue,
        }
    }
}

/// `models/{model}`, as Gemini wants it.
pub(crate) fn gemini_model(model: &str) -> String {
    if model.starts_with("models/") {
        model.to_owned()
    } else {
        format!("models/{model}")
    }
}

/// Completes a Gemini Live handshake.
pub async fn gemini(
    base_url: &str,
    api_key: &SecretString,
    model: &str,
    voice: &str,
    wait: Duration,
) -> Result<(), HandshakeError> {
    let setup = json!({
        "model": gemini_model(model),
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}
        }
    });
    let mut socket = gemini_open(base_url, api_key, setup, wait).await?;
    let _ = socket.close(None).await;
    Ok(())
}

/// Connects to Gemini Live, sends `{"setup": setup}` and waits for `setupComplete`.
pub(crate) async fn gemini_open(
    base_url: &str,
    api_key: &SecretString,
    setup: Value,
    wait: Duration,
) -> Result<Socket, HandshakeError> {
    let mut socket = connect(
        base_url,
        ("x-goog-api-key", api_key.expose_secret().to_owned()),
        GEMINI_URL_SETTING,
        wait,
    )
    .await?;
    socket
        .send(Message::Text(json!({"setup": setup}).to_string().into()))
        .await
        .map_err(|e| HandshakeError::Closed(e.to_string()))?;
    // Gemini refuses a bad key by closing with 1008 "API key not valid...".
    let reply = match next_json(&mut socket, wait).await {
        Err(HandshakeError::Closed(reason)) if reason.contains("API key") => {
            return Err(HandshakeError::KeyRefused(reason))
        }
        other => other?,
    };
    if reply.get("setupComplete").is_some() || reply.get("setup_complete").is_some() {
        Ok(socket)
    } else {
        Err(HandshakeError::Protocol(reply.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::network::test_servers;

    const WAIT: Duration = Duration::from_millis(300);

    async fn openai_at(url: &str) -> HandshakeError {
        let key = SecretString::from("sk-test-0123456789abcdef".to_owned());
        openai(url, &key, "gpt-realtime-2.1", WAIT)
            .await
            .unwrap_err()
    }

    fn problem(error: &HandshakeError) -> NetworkProblem {
        match error {
            HandshakeError::Connect(failure) => failure.problem,
            other => panic!("expected a connect error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let port = test_servers::closed_port().await;
        let error = openai_at(&format!("ws://127.0.0.1:{port}/v1/realtime")).await;
        assert_eq!(problem(&error), NetworkProblem::Refused, "{error}");
    }

    #[tokio::test]
    async fn an_unknown_name_is_a_dns_failure_naming_the_variable() {
        let error = openai_at("wss://api.openai.invalid/v1/realtime").await;
        assert_eq!(problem(&error), NetworkProblem::Dns);
        assert_eq!(
            error.to_string(),
            "cannot find api.openai.invalid (DNS lookup failed): check this server's DNS and \
             internet access, or OPENAI_REALTIME_URL"
        );
    }

    #[tokio::test]
    async fn garbage_or_a_hang_up_instead_of_tls_is_a_tls_failure() {
        for port in [
            test_servers::garbling().await,
            test_servers::closing().await,
        ] {
            let error = openai_at(&format!("wss://127.0.0.1:{port}/v1/realtime")).await;
            assert_eq!(problem(&error), NetworkProblem::Tls, "{error}");
            assert!(error.to_string().contains("OPENAI_REALTIME_URL"), "{error}");
        }
    }

    #[tokio::test]
    async fn silence_during_the_upgrade_times_out() {
        let port = test_servers::silent().await;
        let key = SecretString::from("AIzaSyTest0123456789abcdef".to_owned());
        let error = gemini(
            &format!("ws://127.0.0.1:{port}/gemini"),
            &key,
            "gemini-3.8-live",
            "Puck",
            WAIT,
        )
        .await
        .unwrap_err();
        assert_eq!(problem(&error), NetworkProblem::Timeout);
        assert!(
            error.to_string().starts_with(&format!(
                "127.0.0.1:{port} did not answer within 0.3 seconds"
            )),
            "{error}"
        );
    }

    #[test]
    fn http_answers_to_the_upgrade_say_whether_the_key_was_refused() {
        let answer = |status: u16, body: &str| {
            tokio_tungstenite::tungstenite::http::Response::builder()
                .status(status)
                .body(Some(body.as_bytes().to_vec()))
                .unwrap()
        };
        let openai_401 = answer(
            401,
            r#"{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}"#,
        );
        assert_eq!(
            refusal(&openai_401).to_string(),
            "the API key was refused (HTTP 401: Incorrect API key provided.)"
        );
        assert!(matches!(
            refusal(&answer(403, "")),
            HandshakeError::KeyRefused(_)
        ));
        assert_eq!(
            refusal(&answer(404, "Not Found")).to_string(),
            "the provider refused: HTTP 404: Not Found"
        );
    }
}
