//! Fakes of the external services on loopback, speaking their documented wire formats
//! (../shared/docs/protocols.md): Twilio REST (HTTP Basic, `.json` resources, error bodies with
//! `code`/`message`), OpenAI Realtime (GA events) and Gemini Live (`setup`/`setupComplete`, errors
//! as close frames). Each records what it received.

#![expect(
    clippy::result_large_err,
    reason = "the fakes answer errors with whole responses"
)]

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";
pub const OWNED_NUMBER: &str = "+15005550006";
pub const OPENAI_KEY: &str = "sk-test-0123456789abcdef";
pub const GEMINI_KEY: &str = "AIzaSyTest0123456789abcdef";

/// A request the fake Twilio received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub form: Vec<(String, String)>,
    pub path: String,
    pub query: HashMap<String, String>,
    pub username: String,
}

/// How the fake answers `POST .../Calls.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CreateMode {
    /// 201 with the Call JSON.
    #[default]
    Normal,
    /// Posts the signed `initiated` status callback to the call's StatusCallback URL first and
    /// records its answer in `early_callbacks`, then answers 201 (Twilio's callbacks can overtake
    /// its answer).
    CallbackFirst,
    /// Accepts the call but the answer is unreadable (as if cut off): 201 with a broken body.
    LoseAnswer,
}

#[derive(Clone, Default)]
pub struct Fake {
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// Calls created so far (numbers the SIDs: `CA` + the count in 32 hex digits).
    created: Arc<AtomicUsize>,
    pub create_mode: Arc<Mutex<CreateMode>>,
    /// HTTP statuses our server gave the callbacks sent in `CreateMode::CallbackFirst`.
    pub early_callbacks: Arc<Mutex<Vec<u16>>>,
    /// The Call resources Twilio knows, by SID (what `GET .../Calls/{CallSid}.json` answers).
    calls: Arc<Mutex<HashMap<String, Value>>>,
    /// The Messages resource (see `fake_messages`).
    pub sms: crate::fake_messages::Messages,
}

impl Fake {
    /// Twilio's record of a call moves on: its status, and for an ended call its duration and end.
    pub fn set_call(&self, call_sid: &str, status: &str, duration: Option<&str>) {
        if let Some(call) = self.calls.lock().expect("lock").get_mut(call_sid) {
            call["status"] = json!(status);
            call["duration"] = json!(duration);
            if duration.is_some() {
                call["end_time"] = json!("Fri, 27 Nov 2026 14:05:00 +0000");
            }
        }
    }

    /// Twilio forgets a call (its fetch answers 404, code 20404).
    pub fn forget_call(&self, call_sid: &str) {
        self.calls.lock().expect("lock").remove(call_sid);
    }

    /// The paths of the requests received, in order.
    pub fn paths(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|r| r.path.clone())
            .collect()
    }

    /// The form of the last request to a path ending with `suffix`.
    pub fn last_form(&self, suffix: &str) -> Vec<(String, String)> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .find(|r| r.path.ends_with(suffix))
            .map(|r| r.form.clone())
            .unwrap_or_default()
    }
}

/// Posts a status callback the way Twilio does: form-encoded, signed over the full URL.
pub async fn send_status_callback(url: &str, params: &[(String, String)]) -> u16 {
    let signature = server::twilio::signature::sign(AUTH_TOKEN, url, params);
    match reqwest::Client::new()
        .post(url)
        .header("x-twilio-signature", signature)
        .form(params)
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake");
    let address = listener.local_addr().expect("fake address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("127.0.0.1:{}", address.port())
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

pub(crate) fn twilio_error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status.as_u16()});
    (status, Json(body)).into_response()
}

/// Checks Basic auth like Twilio: 401 with code 20003 unless the SID and token match.
pub(crate) fn authorize(
    fake: &Fake,
    headers: &HeaderMap,
    sid: &str,
    path: &str,
    query: &HashMap<String, String>,
) -> Result<(), Response> {
    let auth = basic_auth(headers);
    fake.requests.lock().expect("lock").push(Recorded {
        form: Vec::new(),
        path: path.to_owned(),
        query: query.clone(),
        username: auth.as_ref().map(|(u, _)| u.clone()).unwrap_or_default(),
    });
    match auth {
        Some((user, password)) if user == sid && sid == ACCOUNT_SID && password == AUTH_TOKEN => {
            Ok(())
        }
        _ => Err(twilio_error(
            StatusCode::UNAUTHORIZED,
            20003,
            "Authenticate",
        )),
    }
}

async fn account(
    State(fake): State<Fake>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(sid) = file.strip_suffix(".json") else {
        return twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            "The requested resource was not found",
        );
    };
    if let Err(response) = authorize(
        &fake,
        &headers,
        sid,
        &format!("/2010-04-01/Accounts/{file}"),
        &HashMap::new(),
    ) {
        return response;
    }
    Json(json!({"sid": sid, "friendly_name": "Orderline Test Account", "status": "active", "type": "Full",
                "date_created": "Tue, 31 Aug 2010 20:36:28 +0000", "uri": format!("/2010-04-01/Accounts/{sid}.json")}))
    .into_response()
}

async fn incoming(
    State(fake): State<Fake>,
    Path(sid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json");
    if let Err(response) = authorize(&fake, &headers, &sid, &path, &query) {
        return response;
    }
    let wanted = query.get("PhoneNumber").cloned().unwrap_or_default();
    let numbers: Vec<Value> = if wanted == OWNED_NUMBER {
        vec![json!({"sid": "PN0123456789abcdef0123456789abcdef", "phone_number": OWNED_NUMBER})]
    } else {
        vec![]
    };
    Json(json!({"incoming_phone_numbers": numbers, "page": 0, "page_size": 50})).into_response()
}

/// Starts the fake Twilio REST API; returns its base URL and its request log.
pub async fn twilio() -> (String, Fake) {
    let fake = Fake::default();
    let router = Router::new()
        .route("/2010-04-01/Accounts/{sid}", get(account))
        .route(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            get(incoming),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            get(crate::fake_messages::list).post(crate::fake_messages::create),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/{*rest}",
            get(get_call).post(post_calls),
        )
        .with_state(fake.clone());
    (format!("http://{}", serve(router).await), fake)
}

async fn openai_ws(
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {OPENAI_KEY}"))
    {
        let body = json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let model = query.get("model").cloned().unwrap_or_default();
    upgrade.on_upgrade(move |socket| openai_session(socket, model))
}

async fn openai_session(mut socket: WebSocket, model: String) {
    let created = json!({"type": "session.created", "event_id": "event_1", "session": {"type": "realtime", "object": "realtime.session", "id": "sess_1", "model": model}});
    if socket
        .send(Message::Text(created.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    while let Some(Ok(Message::Text(text))) = socket.recv().await {
        let Ok(event) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if event["type"] != "session.update" {
            continue;
        }
        let reply = if model == "bad-model" {
            json!({"type": "error", "event_id": "event_2", "error": {"type": "invalid_request_error", "code": "model_not_found", "message": "The model `bad-model` does not exist.", "param": null, "event_id": null}})
        } else {
            json!({"type": "session.updated", "event_id": "event_2", "session": {"type": "realtime", "model": model, "output_modalities": event["session"]["output_modalities"]}})
        };
        let _ = socket.send(Message::Text(reply.to_string().into())).await;
    }
}

async fn gemini_ws(headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let key_ok = headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) == Some(GEMINI_KEY);
    upgrade.on_upgrade(move |socket| gemini_session(socket, key_ok))
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned().into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn gemini_session(mut socket: WebSocket, key_ok: bool) {
    let Some(Ok(Message::Text(text))) = socket.recv().await else {
        return;
    };
    if !key_ok {
        return close(
            socket,
            1008,
            "API key not valid. Please pass a valid API key.",
        )
        .await;
    }
    let Ok(message) = serde_json::from_str::<Value>(&text) else {
        return close(socket, 1007, "Invalid JSON payload received.").await;
    };
    let model = message["setup"]["model"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !model.starts_with("models/") || model.ends_with("bad-model") {
        return close(
            socket,
            1008,
            &format!("{model} is not found for API version v1beta"),
        )
        .await;
    }
    // Gemini sends its JSON in binary frames.
    let _ = socket
        .send(Message::Binary(br#"{"setupComplete":{}}"#.to_vec().into()))
        .await;
    let _ = socket.recv().await;
}

/// Starts fake OpenAI Realtime and Gemini Live endpoints; returns their ws:// URLs.
pub async fn realtime() -> (String, String) {
    let router = Router::new().route("/v1/realtime", get(openai_ws)).route(
        "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
        get(gemini_ws),
    );
    let address = serve(router).await;
    (
        format!("ws://{address}/v1/realtime"),
        format!("ws://{address}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"),
    )
}

/// A number the fake refuses like Twilio refuses an invalid `To` (21211).
pub const REFUSED_NUMBER: &str = "+33612345699";

pub(crate) fn record_post(
    fake: &Fake,
    headers: &HeaderMap,
    sid: &str,
    path: &str,
    body: &[u8],
) -> Result<Vec<(String, String)>, Response> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let auth = basic_auth(headers);
    fake.requests.lock().expect("lock").push(Recorded {
        form: form.clone(),
        path: path.to_owned(),
        query: HashMap::new(),
        username: auth.as_ref().map(|(u, _)| u.clone()).unwrap_or_default(),
    });
    match auth {
        Some((user, password)) if user == sid && sid == ACCOUNT_SID && password == AUTH_TOKEN => {
            Ok(form)
        }
        _ => Err(twilio_error(
            StatusCode::UNAUTHORIZED,
            20003,
            "Authenticate",
        )),
    }
}

/// A new Call resource as Twilio's 201 answers it (protocols.md 1.2).
fn call_resource(account_sid: &str, call_sid: &str, to: &str, from: &str) -> Value {
    json!({"sid": call_sid, "date_created": "Fri, 27 Nov 2026 14:00:00 +0000",
           "date_updated": "Fri, 27 Nov 2026 14:00:00 +0000", "parent_call_sid": null,
           "account_sid": account_sid, "to": to, "to_formatted": to, "from": from,
           "from_formatted": from, "phone_number_sid": "PN0123456789abcdef0123456789abcdef",
           "status": "queued", "start_time": null, "end_time": null, "duration": null,
           "price": null, "price_unit": "USD", "direction": "outbound-api", "answered_by": null,
           "api_version": "2010-04-01", "forwarded_from": null, "group_sid": null,
           "caller_name": null, "queue_time": "0", "trunk_sid": null,
           "uri": format!("/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"),
           "subresource_uris": {"notifications": format!("/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Notifications.json")}})
}

/// `GET .../Calls/{CallSid}.json`: the call as the fake knows it, or 404 (20404).
async fn get_call(
    State(fake): State<Fake>,
    Path((sid, rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/2010-04-01/Accounts/{sid}/{rest}");
    if let Err(response) = authorize(&fake, &headers, &sid, &path, &HashMap::new()) {
        return response;
    }
    let call = rest
        .strip_prefix("Calls/")
        .and_then(|f| f.strip_suffix(".json"))
        .and_then(|call_sid| fake.calls.lock().expect("lock").get(call_sid).cloned());
    match call {
        Some(call) => Json(call).into_response(),
        None => twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            "The requested resource was not found",
        ),
    }
}

/// `POST .../Calls.json` (create) or `POST .../Calls/{CallSid}.json` (update).
async fn post_calls(
    State(fake): State<Fake>,
    Path((sid, rest)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = format!("/2010-04-01/Accounts/{sid}/{rest}");
    let form = match record_post(&fake, &headers, &sid, &path, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if rest == "Calls.json" {
        let to = field("To");
        if to == REFUSED_NUMBER {
            return twilio_error(StatusCode::BAD_REQUEST, 21211, "Invalid 'To' Phone Number");
        }
        let n = fake.created.fetch_add(1, Ordering::SeqCst) + 1;
        let call_sid = format!("CA{n:032x}");
        let mode = *fake.create_mode.lock().expect("lock");
        if mode == CreateMode::CallbackFirst {
            let params: Vec<(String, String)> = [
                ("AccountSid", sid.as_str()),
                ("CallSid", &call_sid),
                ("CallStatus", "initiated"),
                ("SequenceNumber", "0"),
                ("CallbackSource", "call-progress-events"),
                ("Direction", "outbound-api"),
                ("ApiVersion", "2010-04-01"),
                ("From", &field("From")),
                ("To", &to),
                ("Timestamp", "Fri, 27 Nov 2026 14:00:00 +0000"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let status = send_status_callback(&field("StatusCallback"), &params).await;
            fake.early_callbacks.lock().expect("lock").push(status);
        }
        let body = call_resource(&sid, &call_sid, &to, &field("From"));
        fake.calls
            .lock()
            .expect("lock")
            .insert(call_sid, body.clone());
        if mode == CreateMode::LoseAnswer {
            return (StatusCode::CREATED, r#"{"sid": "CA"#).into_response();
        }
        return (StatusCode::CREATED, Json(body)).into_response();
    }
    let call_sid = rest
        .strip_prefix("Calls/")
        .and_then(|f| f.strip_suffix(".json"));
    let mut calls = fake.calls.lock().expect("lock");
    match call_sid.and_then(|call_sid| calls.get_mut(call_sid)) {
        Some(call) => {
            call["status"] = json!(field("Status"));
            Json(call.clone()).into_response()
        }
        None => twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            "The requested resource was not found",
        ),
    }
}
