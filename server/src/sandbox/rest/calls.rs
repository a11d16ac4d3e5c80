//! `.../Calls.json` (create, list) and `.../Calls/{CallSid}.json` (fetch, update): the form
//! checked with Twilio's error codes, the call stored, then the call engine told.

use super::errors::ApiError;
use super::params::{is_webhook_url, page_json, phone, Form, Paging, Params, Query};
use super::{account_path, json_sid, sandbox_number, CallUpdate, SandboxRest};
use crate::sandbox::callbacks::HttpMethod;
use crate::sandbox::store::{
    CallInstructions, CallParams, CallStatus, CallbackEvent, MachineDetection,
};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::Json;
use serde_json::Value;

/// Twilio's longest ring.
const MAX_TIMEOUT_SECONDS: u32 = 600;

/// A checked `POST .../Calls.json`.
#[derive(Debug)]
struct NewCall {
    to: String,
    from: String,
    params: CallParams,
}

fn method(params: &Params, name: &str) -> Result<HttpMethod, ApiError> {
    match params.get(name) {
        None => Ok(HttpMethod::Post),
        Some(text) => HttpMethod::parse(text)
            .ok_or_else(|| ApiError::invalid(20001, format!("{name} must be GET or POST"))),
    }
}

/// `Url` (+`Method`) or `Twiml`, if either is given; Url wins when both are.
fn instructions(params: &Params) -> Result<Option<CallInstructions>, ApiError> {
    if let Some(url) = params.get("Url") {
        if !is_webhook_url(url) {
            return Err(ApiError::invalid(
                21205,
                format!("Url is not a valid URL: {url}"),
            ));
        }
        let method = method(params, "Method")?;
        return Ok(Some(CallInstructions::Url {
            url: url.to_owned(),
            method,
        }));
    }
    Ok(params
        .get("Twiml")
        .map(|twiml| CallInstructions::Twiml(twiml.to_owned())))
}

fn optional_url(params: &Params, name: &str, code: u32) -> Result<Option<String>, ApiError> {
    match params.get(name) {
        Some(url) if !is_webhook_url(url) => Err(ApiError::invalid(
            code,
            format!("{name} is not a valid URL: {url}"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

fn seconds(params: &Params, name: &str) -> Result<Option<u32>, ApiError> {
    params
        .get(name)
        .map(|text| {
            text.parse::<u32>().map_err(|_| {
                ApiError::invalid(20001, format!("{name} must be a number of seconds"))
            })
        })
        .transpose()
}

/// Checks the create form as Twilio does (protocols.md 1.2).
fn parse_create(params: &Params, own_number: &str) -> Result<NewCall, ApiError> {
    let to_text = params
        .get("To")
        .ok_or_else(|| ApiError::invalid(21201, "No 'To' number is specified"))?;
    let to = if to_text.starts_with("client:") || to_text.starts_with("sip:") {
        to_text.to_owned()
    } else {
        phone(to_text).ok_or_else(|| {
            ApiError::invalid(21211, format!("Invalid 'To' Phone Number: {to_text}"))
        })?
    };
    let from_text = params
        .get("From")
        .ok_or_else(|| ApiError::invalid(21213, "No 'From' number is specified"))?;
    let from = phone(from_text).ok_or_else(|| {
        ApiError::invalid(21212, format!("Invalid 'From' Phone Number: {from_text}"))
    })?;
    if from != own_number {
        return Err(ApiError::invalid(
            21210,
            format!("The source phone number provided, {from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio."),
        ));
    }
    let instructions = instructions(params)?.ok_or_else(|| {
        ApiError::invalid(
            21205,
            "Url is not a valid URL: a Url or Twiml parameter is required",
        )
    })?;
    let mut events = Vec::new();
    for text in params.all("StatusCallbackEvent") {
        // Twilio also accepts the events space-separated in one value.
        for name in text.split_whitespace() {
            let event = CallbackEvent::parse(name).ok_or_else(|| {
                ApiError::invalid(21626, format!("Invalid StatusCallbackEvent: {name}"))
            })?;
            events.push(event);
        }
    }
    if events.is_empty() {
        events.push(CallbackEvent::Completed);
    }
    let fallback = optional_url(params, "FallbackUrl", 21205)?
        .map(|url| method(params, "FallbackMethod").map(|m| (url, m)))
        .transpose()?;
    let machine_detection = params
        .get("MachineDetection")
        .map(|text| {
            MachineDetection::parse(text).ok_or_else(|| {
                ApiError::invalid(20001, format!("Invalid MachineDetection: {text}"))
            })
        })
        .transpose()?;
    Ok(NewCall {
        to,
        from,
        params: CallParams {
            instructions,
            fallback,
            status_callback: optional_url(params, "StatusCallback", 21609)?,
            status_callback_events: events,
            status_callback_method: method(params, "StatusCallbackMethod")?,
            timeout_seconds: seconds(params, "Timeout")?
                .unwrap_or(60)
                .min(MAX_TIMEOUT_SECONDS),
            time_limit_seconds: seconds(params, "TimeLimit")?,
            machine_detection,
            async_amd: params.get("AsyncAmd") == Some("true"),
            async_amd_status_callback: optional_url(params, "AsyncAmdStatusCallback", 21609)?,
            send_digits: params.get("SendDigits").map(str::to_owned),
            raw: params.0.clone(),
        },
    })
}

/// `POST .../Calls.json`: 201 with the `queued` call; the engine then places it.
pub(super) async fn create(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
    Form(params): Form,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.check_account(&account, &uri)?;
    let new = parse_create(&params, sandbox_number(&state))?;
    let call = state.store.create_call(&new.to, &new.from, new.params);
    state.engine.start(&call.sid);
    Ok((StatusCode::CREATED, Json(call.to_json())))
}

/// `GET .../Calls.json` with the `To`, `From` and `Status` filters, newest first.
pub(super) async fn list(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
    Query(query): Query,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let status = match query.get("Status") {
        None => None,
        Some(text) => Some(
            CallStatus::parse(text)
                .ok_or_else(|| ApiError::invalid(20001, format!("Invalid Status: {text}")))?,
        ),
    };
    let paging = Paging::from_query(&query)?;
    let (to, from) = (query.get("To"), query.get("From"));
    let calls: Vec<_> = state
        .store
        .calls()
        .into_iter()
        .filter(|c| to.is_none_or(|to| c.to == to))
        .filter(|c| from.is_none_or(|from| c.from == from))
        .filter(|c| status.is_none_or(|s| c.status == s))
        .collect();
    let filters: Vec<(String, String)> = ["To", "From", "Status"]
        .iter()
        .filter_map(|name| query.get(name).map(|v| ((*name).to_owned(), v.to_owned())))
        .collect();
    let path = format!("{}/Calls.json", account_path(&state));
    Ok(Json(page_json(
        &calls,
        |c| &c.sid,
        |c| c.to_json(),
        &paging,
        "calls",
        &path,
        &filters,
    )))
}

/// `GET .../Calls/{CallSid}.json`.
pub(super) async fn fetch(
    State(state): State<SandboxRest>,
    Path((account, call)): Path<(String, String)>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let sid = json_sid(&call, &uri)?;
    let call = state
        .store
        .call(sid)
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    Ok(Json(call.to_json()))
}

/// `POST .../Calls/{CallSid}.json`: `Status=canceled|completed`, or a redirect (`Url`,
/// `Method`, `Twiml`); `StatusCallback` and `StatusCallbackMethod` are replaced when given.
pub(super) async fn update(
    State(state): State<SandboxRest>,
    Path((account, call)): Path<(String, String)>,
    uri: Uri,
    Form(params): Form,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let sid = json_sid(&call, &uri)?;
    let current = state
        .store
        .call(sid)
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    let status = match params.get("Status") {
        None => None,
        Some("canceled") => Some(CallUpdate::Cancel),
        Some("completed") => Some(CallUpdate::Complete),
        Some(other) => {
            return Err(ApiError::invalid(
                20001,
                format!("Status must be canceled or completed, not {other}"),
            ))
        }
    };
    let redirect = instructions(&params)?.map(CallUpdate::Redirect);
    if redirect.is_some() && current.status.is_terminal() {
        return Err(ApiError::invalid(
            21220,
            "Call is not in-progress. Cannot redirect.",
        ));
    }
    let callback = optional_url(&params, "StatusCallback", 21609)?;
    let callback_method = params
        .get("StatusCallbackMethod")
        .map(|_| method(&params, "StatusCallbackMethod"))
        .transpose()?;
    if callback.is_some() || callback_method.is_some() {
        state.store.update_call(sid, |call| {
            if let Some(url) = callback {
                call.params.status_callback = Some(url);
            }
            if let Some(method) = callback_method {
                call.params.status_callback_method = method;
            }
        });
    }
    if !current.status.is_terminal() {
        // Twilio ignores `canceled` on an answered call.
        let cancel_ignored =
            status == Some(CallUpdate::Cancel) && current.status == CallStatus::InProgress;
        for update in [status, redirect].into_iter().flatten() {
            if !(cancel_ignored && update == CallUpdate::Cancel) {
                state.engine.update(sid, update);
            }
        }
    }
    let call = state
        .store
        .call(sid)
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    Ok(Json(call.to_json()))
}
