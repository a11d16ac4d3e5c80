//! Opening a realtime session and completing its handshake, then closing it:
//! - OpenAI Realtime (GA): connect `{url}?model=...` with `Authorization: Bearer`, wait for
//!   `session.created`, send `session.update`, wait for `session.updated` (or an `error` event).
//! - Gemini Live: connect `{url}` with `x-goog-api-key`, send `setup`, wait for `setupComplete`
//!   (errors arrive as a close frame with a reason).

use futures_util::{SinkExt, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// Why a handshake failed, in words for the settings page.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("the provider refused: {0}")]
    Refused(String),
    #[error("the connection closed: {0}")]
    Closed(String),
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("unexpected message: {0}")]
    Protocol(String),
}

const TIMEOUT_SECS: u64 = 15;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, header: (&'static str, String)) -> Result<Socket, HandshakeError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| HandshakeError::Connect(e.to_string()))?;
    let value = HeaderValue::from_str(&header.1)
        .map_err(|_| HandshakeError::Connect("the API key has invalid characters".into()))?;
    request.headers_mut().insert(header.0, value);
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err(HandshakeError::Refused(
                format!("HTTP {} {}", response.status().as_u16(), body.trim())
                    .trim()
                    .to_owned(),
            ))
        }
        Err(e) => Err(HandshakeError::Connect(e.to_string())),
    }
}

/// Reads the next JSON message (text, or binary holding JSON as Gemini may send).
async fn next_json(socket: &mut Socket) -> Result<Value, HandshakeError> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(TIMEOUT_SECS), socket.next())
            .await
            .map_err(|_| HandshakeError::Timeout(TIMEOUT_SECS))?;
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
) -> Result<String, HandshakeError> {
    let mut url = url::Url::parse(base_url).map_err(|e| HandshakeError::Connect(e.to_string()))?;
    url.query_pairs_mut().append_pair("model", model);
    let mut socket = connect(
        url.as_str(),
        (
            "authorization",
            format!("Bearer {}", api_key.expose_secret()),
        ),
    )
    .await?;
    let created = next_json(&mut socket).await?;
    match created["type"].as_str() {
        Some("session.created") => {}
        Some("error") => return Err(openai_error(&created)),
        _ => return Err(HandshakeError::Protocol(created.to_string())),
    }
    let update = json!({"type": "session.update", "session": {"type": "realtime", "model": model, "output_modalities": ["audio"]}});
    socket
        .send(Message::Text(update.to_string().into()))
        .await
        .map_err(|e| HandshakeError::Closed(e.to_string()))?;
    loop {
        let event = next_json(&mut socket).await?;
        match event["type"].as_str() {
            Some("session.updated") => {
                let _ = socket.close(None).await;
                return Ok(event["session"]["model"]
                    .as_str()
                    .unwrap_or(model)
                    .to_owned());
            }
            Some("error") => return Err(openai_error(&event)),
            _ => continue,
        }
    }
}

/// Completes a Gemini Live handshake.
pub async fn gemini(
    base_url: &str,
    api_key: &SecretString,
    model: &str,
    voice: &str,
) -> Result<(), HandshakeError> {
    let mut socket = connect(
        base_url,
        ("x-goog-api-key", api_key.expose_secret().to_owned()),
    )
    .await?;
    let model = if model.starts_with("models/") {
        model.to_owned()
    } else {
        format!("models/{model}")
    };
    let setup = json!({"setup": {
        "model": model,
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}
        }
    }});
    socket
        .send(Message::Text(setup.to_string().into()))
        .await
        .map_err(|e| HandshakeError::Closed(e.to_string()))?;
    let reply = next_json(&mut socket).await?;
    if reply.get("setupComplete").is_some() || reply.get("setup_complete").is_some() {
        let _ = socket.close(None).await;
        Ok(())
    } else {
        Err(HandshakeError::Protocol(reply.to_string()))
    }
}
