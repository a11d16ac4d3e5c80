//! The fake Twilio's Messages resource (protocols.md 1.4, 1.5): create (201 with the Message JSON),
//! fetch, and list filtered by `To` (newest first), with Twilio's error bodies. Tests script the
//! answers to the next creates, and read every create request and every message it keeps.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// How the fake answers one `POST .../Messages.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 201 with the message, `queued`.
    Accept,
    /// An error answer and nothing created: HTTP status, Twilio code, `Retry-After` seconds.
    Refuse(u16, u32, Option<u64>),
    /// Creates the message but the answer is cut off (a lost answer).
    AcceptButLose,
    /// Creates the message, posts its signed `sent` status callback, then answers (Twilio's
    /// callbacks can overtake its answer).
    CallbackFirst,
}

/// A create request's form fields, in order.
pub type Form = Vec<(String, String)>;

/// What the Messages resource holds.
#[derive(Clone, Default)]
pub struct Messages {
    /// Answers to the next creates, in order; `Accept` once empty.
    pub script: Arc<Mutex<VecDeque<Answer>>>,
    /// The form of every create request, in order.
    pub posts: Arc<Mutex<Vec<Form>>>,
    /// The messages created, oldest first.
    pub created: Arc<Mutex<Vec<Value>>>,
    /// HTTP statuses our server gave the callbacks of `Answer::CallbackFirst`.
    pub early_callbacks: Arc<Mutex<Vec<u16>>>,
    /// When set, each create waits this long before answering (a slow Twilio).
    pub delay: Arc<Mutex<Option<std::time::Duration>>>,
    /// When each create request arrived, in order.
    pub arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl Messages {
    pub fn then(&self, answer: Answer) {
        self.script.lock().expect("lock").push_back(answer);
    }

    pub fn posts(&self) -> Vec<Form> {
        self.posts.lock().expect("lock").clone()
    }

    pub fn created(&self) -> Vec<Value> {
        self.created.lock().expect("lock").clone()
    }
}

fn now_rfc2822() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `POST .../Messages.json`.
pub async fn create(
    State(fake): State<super::fakes::Fake>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = format!("/2010-04-01/Accounts/{sid}/Messages.json");
    let form = match super::fakes::record_post(&fake, &headers, &sid, &path, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let messages = &fake.sms;
    messages.posts.lock().expect("lock").push(form.clone());
    messages
        .arrivals
        .lock()
        .expect("lock")
        .push(std::time::Instant::now());
    let answer = messages
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(Answer::Accept);
    if let Answer::Refuse(status, code, retry_after) = answer {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = super::fakes::twilio_error(status, code, "refused by the fake");
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().expect("header"));
        }
        return response;
    }
    // Created at once, answered after the delay: a client that dies meanwhile never hears of it.
    let message = {
        let mut created = messages.created.lock().expect("lock");
        let message_sid = format!("SM{:032x}", created.len() + 1);
        let message = json!({
            "sid": message_sid, "account_sid": sid, "api_version": "2010-04-01",
            "to": field(&form, "To"), "from": field(&form, "From"),
            "messaging_service_sid": Value::Null, "body": field(&form, "Body"),
            "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
            "error_code": Value::Null, "error_message": Value::Null, "price": Value::Null,
            "date_created": now_rfc2822(), "date_sent": Value::Null, "date_updated": now_rfc2822(),
            "uri": format!("/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json"),
        });
        created.push(message.clone());
        message
    };
    if answer == Answer::CallbackFirst {
        let message_sid = message["sid"].as_str().unwrap_or_default().to_owned();
        let params: Vec<(String, String)> = [
            ("AccountSid", sid.as_str()),
            ("MessageSid", &message_sid),
            ("SmsSid", &message_sid),
            ("MessageStatus", "sent"),
            ("SmsStatus", "sent"),
            ("To", &field(&form, "To")),
            ("From", &field(&form, "From")),
            ("ApiVersion", "2010-04-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let status =
            super::fakes::send_status_callback(&field(&form, "StatusCallback"), &params).await;
        messages.early_callbacks.lock().expect("lock").push(status);
    }
    let delay = *messages.delay.lock().expect("lock");
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if answer == Answer::AcceptButLose {
        return (StatusCode::CREATED, r#"{"sid": "SM"#).into_response();
    }
    (StatusCode::CREATED, Json(message)).into_response()
}

/// `GET .../Messages.json?To=...`: newest first, Twilio's paging fields.
pub async fn list(
    State(fake): State<super::fakes::Fake>,
    Path(sid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/2010-04-01/Accounts/{sid}/Messages.json");
    if let Err(response) = super::fakes::authorize(&fake, &headers, &sid, &path, &query) {
        return response;
    }
    let to = query.get("To").cloned();
    let size: usize = query
        .get("PageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let messages: Vec<Value> = fake
        .sms
        .created()
        .into_iter()
        .rev()
        .filter(|m| to.as_deref().is_none_or(|to| m["to"] == to))
        .take(size)
        .collect();
    Json(json!({"messages": messages, "page": 0, "page_size": size,
                "uri": format!("{path}?PageSize={size}&Page=0"), "next_page_uri": Value::Null}))
    .into_response()
}
