//! `GET /sandbox/phone/ws?number=+33612345678`: the softphone tab's WebSocket (signed-in staff).
//!
//! Text frames are JSON, typed in `app::api` (`SoftphoneRequest`, `SoftphoneEvent`). Audio travels in binary frames as
//! 16-bit little-endian PCM at 8 kHz, mono, both ways: the browser plays and records at 8 kHz
//! (WebAudio resamples), and this module does the G.711 mu-law conversion with the bridge's own
//! codec (`audio::g711`), so the softphone hears exactly what a phone line carries.
//! Malformed frames are logged and skipped.

use super::phone::{TabLine, ToPhone};
use super::Sandbox;
use crate::audio::{g711, pcm};
use crate::http::origin::OriginPolicy;
use app::api::{SoftphoneEvent as ToTab, SoftphoneRequest as FromTab, SoftphoneText};
use app::ports::CurrentUser;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tokio::sync::broadcast::error::RecvError;

/// The query of the upgrade: the number this tab holds.
#[derive(Debug, serde::Deserialize)]
pub struct PhoneQuery {
    pub number: String,
}

/// The upgrade handler: signed-in staff, same origin, an E.164 number.
pub async fn upgrade(
    State(sandbox): State<Sandbox>,
    State(policy): State<OriginPolicy>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(query): Query<PhoneQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    if !policy.allows_upgrade(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused").into_response();
    }
    let Some(number) = super::rest::params::phone(query.number.trim()) else {
        return (
            StatusCode::BAD_REQUEST,
            "number: expected E.164, e.g. +33612345678",
        )
            .into_response();
    };
    upgrade.on_upgrade(move |socket| serve(socket, sandbox, number))
}

/// Longest text a softphone may send (Twilio's own limit for a message body).
const MAX_TEXT: usize = 1600;

/// Serves one tab holding `number` until it closes.
pub async fn serve(mut socket: WebSocket, sandbox: Sandbox, number: String) {
    let mut tab = sandbox.phones.open(&number);
    let mut texts = sandbox.store.subscribe();
    let mut line: Option<TabLine> = None;
    if !send(&mut socket, &inbox(&sandbox, &number)).await {
        return;
    }
    loop {
        tokio::select! {
            event = tab.events.recv() => {
                let Some(event) = event else { break };
                if let ToPhone::Ended { call_sid, .. } = &event {
                    if line.as_ref().is_some_and(|l| &l.call_sid == call_sid) {
                        line = None;
                    }
                }
                if !deliver(&mut socket, &sandbox, &number, event).await {
                    break;
                }
            }
            event = texts.recv() => match event {
                Ok(event) if concerns(&event, &number) => {
                    if !send(&mut socket, &inbox(&sandbox, &number)).await {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    if !send(&mut socket, &inbox(&sandbox, &number)).await {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                match message {
                    Message::Binary(bytes) => {
                        if let Some(line) = &line {
                            let mut samples = Vec::with_capacity(bytes.len() / 2);
                            pcm::decode_le(&bytes, &mut samples);
                            let mut codes = Vec::with_capacity(samples.len());
                            g711::encode_into(&samples, &mut codes);
                            // A full microphone queue drops the frame, as a bad line would.
                            let _ = line.microphone.try_send(codes);
                        }
                    }
                    Message::Text(text) => match serde_json::from_str::<FromTab>(&text) {
                        Ok(request) => {
                            if !act(&mut socket, &sandbox, &tab, &mut line, request).await {
                                break;
                            }
                        }
                        Err(error) => tracing::warn!(%error, "softphone: malformed message skipped"),
                    },
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        }
    }
    // Dropping the line hangs up an answered call; dropping the tab leaves `Phones`.
    drop(line);
    drop(tab);
}

/// Does what the tab asked; false when the socket is gone.
async fn act(
    socket: &mut WebSocket,
    sandbox: &Sandbox,
    tab: &super::phone::Tab,
    line: &mut Option<TabLine>,
    request: FromTab,
) -> bool {
    match request {
        FromTab::Answer { call_sid } => {
            if line.is_some() {
                return send(socket, &error("hang up the current call first")).await;
            }
            match sandbox.phones.answer(tab, &call_sid) {
                Some(answered) => {
                    *line = Some(answered);
                    send(socket, &ToTab::Connected { call_sid }).await
                }
                None => send(socket, &error("that call no longer rings")).await,
            }
        }
        FromTab::Decline { call_sid } => {
            sandbox.phones.decline(tab, &call_sid);
            true
        }
        FromTab::Hangup => {
            if let Some(held) = line.take() {
                let _ = held.hang_up.send(());
            }
            true
        }
        FromTab::Dtmf { digit } => {
            if !matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D') {
                return send(socket, &error("not a keypad digit")).await;
            }
            if let Some(line) = line {
                let _ = line.digits.try_send(digit);
            }
            true
        }
        FromTab::Text { body } => {
            let body = body.trim();
            if body.is_empty() || body.chars().count() > MAX_TEXT {
                return send(socket, &error("a text needs 1 to 1600 characters")).await;
            }
            if let Err(reason) = sandbox.reply(&tab.number, body).await {
                return send(socket, &error(&reason)).await;
            }
            true
        }
    }
}

/// Whether a store event is about the phone `number`'s texts.
fn concerns(event: &super::store::PhoneEvent, number: &str) -> bool {
    use super::store::PhoneEvent::*;
    match event {
        MessageToPhone { number: n, .. }
        | MessageFromPhone { number: n, .. }
        | MessageStatus { number: n, .. } => n == number,
    }
}

fn error(message: &str) -> ToTab {
    ToTab::Error {
        message: message.to_owned(),
    }
}

/// Forwards one event of the tab's queue; false when the socket is gone.
async fn deliver(socket: &mut WebSocket, sandbox: &Sandbox, number: &str, event: ToPhone) -> bool {
    let message = match event {
        ToPhone::Audio(codes) => {
            let mut samples = Vec::with_capacity(codes.len());
            g711::decode_into(&codes, &mut samples);
            let mut bytes = Vec::with_capacity(samples.len() * 2);
            pcm::encode_le(&samples, &mut bytes);
            return socket.send(Message::Binary(bytes.into())).await.is_ok();
        }
        ToPhone::Ringing { call_sid, from } => ToTab::Ringing { call_sid, from },
        ToPhone::RingStopped { call_sid } => ToTab::RingStopped { call_sid },
        ToPhone::Connected { call_sid } => ToTab::Connected { call_sid },
        ToPhone::Ended { call_sid, status } => ToTab::Ended { call_sid, status },
        ToPhone::Caption { text } => ToTab::Caption { text },
        ToPhone::Inbox => inbox(sandbox, number),
    };
    send(socket, &message).await
}

fn inbox(sandbox: &Sandbox, number: &str) -> ToTab {
    let messages = sandbox
        .store
        .inbox(number)
        .into_iter()
        .map(|view| SoftphoneText {
            sid: view.sid,
            incoming: view.direction == super::store::PhoneDirection::ToPhone,
            body: view.body,
            status: view.status.as_str().to_owned(),
            error_code: view.error_code,
            at: view.at.to_rfc3339(),
        })
        .collect();
    ToTab::Inbox { messages }
}

async fn send(socket: &mut WebSocket, message: &ToTab) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(error) => {
            tracing::error!(%error, "softphone: cannot encode a message");
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_messages_parse_and_unknown_ones_are_errors() {
        assert_eq!(
            serde_json::from_str::<FromTab>(r#"{"type":"answer","call_sid":"CA1"}"#).unwrap(),
            FromTab::Answer {
                call_sid: "CA1".into()
            }
        );
        assert_eq!(
            serde_json::from_str::<FromTab>(r#"{"type":"dtmf","digit":"5"}"#).unwrap(),
            FromTab::Dtmf { digit: '5' }
        );
        assert!(serde_json::from_str::<FromTab>(r#"{"type":"explode"}"#).is_err());
        assert!(serde_json::from_str::<FromTab>(r#"{"type":"dtmf","digit":"55"}"#).is_err());
        let told = serde_json::to_string(&ToTab::Ended {
            call_sid: "CA1".into(),
            status: "completed".into(),
        })
        .unwrap();
        assert_eq!(
            told,
            r#"{"type":"ended","call_sid":"CA1","status":"completed"}"#
        );
    }
}
