//! `.../Messages.json` (create, list) and `.../Messages/{MessageSid}.json` (fetch): the form
//! checked with Twilio's error codes, then the message handed to `sandbox::messages`.

use super::errors::ApiError;
use super::params::{is_webhook_url, page_json, phone, Form, Paging, Params, Query};
use super::{account_path, json_sid, sandbox_number, SandboxRest};
use crate::sandbox::credentials::is_sid;
use crate::sandbox::messages::NewMessage;
use crate::sandbox::store::Message;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Twilio's longest body.
const MAX_BODY_CHARACTERS: usize = app::sms::MAX_CHARACTERS;

/// Checks the create form as Twilio does (protocols.md 1.4).
fn parse_create(params: &Params, own_number: &str) -> Result<NewMessage, ApiError> {
    let to_text = params
        .get("To")
        .ok_or_else(|| ApiError::invalid(21604, "A 'To' phone number is required."))?;
    let to = phone(to_text)
        .ok_or_else(|| ApiError::invalid(21211, format!("Invalid 'To' Phone Number: {to_text}")))?;
    let service = params.get("MessagingServiceSid");
    if let Some(sid) = service {
        if !is_sid(sid, "MG") {
            return Err(ApiError::invalid(
                21701,
                format!("The Messaging Service Sid {sid} is invalid."),
            ));
        }
    }
    let from = match (params.get("From"), service) {
        (Some(text), _) => {
            let from = phone(text).unwrap_or_else(|| text.to_owned());
            if from != own_number {
                return Err(ApiError::invalid(
                    21606,
                    format!("The From phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."),
                ));
            }
            from
        }
        // The service's pool is the sandbox's one number.
        (None, Some(_)) => own_number.to_owned(),
        (None, None) => {
            return Err(ApiError::invalid(
                21603,
                "A 'From' phone number is required.",
            ))
        }
    };
    let body = params
        .get("Body")
        .ok_or_else(|| ApiError::invalid(21602, "Message body is required."))?;
    if body.chars().count() > MAX_BODY_CHARACTERS {
        return Err(ApiError::invalid(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    let status_callback = match params.get("StatusCallback") {
        Some(url) if !is_webhook_url(url) => {
            return Err(ApiError::invalid(
                21609,
                format!("The StatusCallback URL {url} is not a valid URL."),
            ))
        }
        other => other.map(str::to_owned),
    };
    Ok(NewMessage {
        to,
        from,
        messaging_service_sid: service.map(str::to_owned),
        body: body.to_owned(),
        status_callback,
    })
}

/// `POST .../Messages.json`: 201 with the `queued` message (or 400, e.g. 21610).
pub(super) async fn create(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
    Form(params): Form,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.check_account(&account, &uri)?;
    let new = parse_create(&params, sandbox_number(&state))?;
    let message = state
        .messages
        .send(new)
        .map_err(|refusal| ApiError::invalid(refusal.code, refusal.message))?;
    Ok((StatusCode::CREATED, Json(message.to_json())))
}

/// A `DateSent` bound: a day (`2026-11-30`) or an instant (`2026-11-30T10:00:00Z`).
#[derive(Debug, Clone, Copy)]
enum DateBound {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
}

impl DateBound {
    fn parse(name: &str, text: &str) -> Result<Self, ApiError> {
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(DateBound::Day(day));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|at| DateBound::Instant(at.with_timezone(&Utc)))
            .map_err(|_| ApiError::invalid(20001, format!("Invalid {name}: {text}")))
    }

    /// How `at` compares with the bound (a day holds all its instants).
    fn compare(self, at: DateTime<Utc>) -> std::cmp::Ordering {
        match self {
            DateBound::Day(day) => at.date_naive().cmp(&day),
            DateBound::Instant(bound) => at.cmp(&bound),
        }
    }
}

/// The `DateSent`, `DateSent<` and `DateSent>` filters (on or before, on or after).
fn date_filter(query: &Params) -> Result<impl Fn(&Message) -> bool, ApiError> {
    let bound = |name: &str| {
        query
            .get(name)
            .map(|text| DateBound::parse(name, text))
            .transpose()
    };
    let (on, before, after) = (bound("DateSent")?, bound("DateSent<")?, bound("DateSent>")?);
    Ok(move |message: &Message| {
        let Some(sent) = message.date_sent else {
            return on.is_none() && before.is_none() && after.is_none();
        };
        on.is_none_or(|b| b.compare(sent).is_eq())
            && before.is_none_or(|b| b.compare(sent).is_le())
            && after.is_none_or(|b| b.compare(sent).is_ge())
    })
}

/// `GET .../Messages.json` with the `To`, `From` and `DateSent` filters, newest first.
pub(super) async fn list(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
    Query(query): Query,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let paging = Paging::from_query(&query)?;
    let sent_within = date_filter(&query)?;
    let (to, from) = (query.get("To"), query.get("From"));
    let messages: Vec<Message> = state
        .store
        .messages()
        .into_iter()
        .filter(|m| to.is_none_or(|to| m.to == to))
        .filter(|m| from.is_none_or(|from| m.from == from))
        .filter(|m| sent_within(m))
        .collect();
    let filters: Vec<(String, String)> = ["To", "From", "DateSent", "DateSent<", "DateSent>"]
        .iter()
        .filter_map(|name| query.get(name).map(|v| ((*name).to_owned(), v.to_owned())))
        .collect();
    let path = format!("{}/Messages.json", account_path(&state));
    Ok(Json(page_json(
        &messages,
        |m| &m.sid,
        Message::to_json,
        &paging,
        "messages",
        &path,
        &filters,
    )))
}

/// `GET .../Messages/{MessageSid}.json`.
pub(super) async fn fetch(
    State(state): State<SandboxRest>,
    Path((account, message)): Path<(String, String)>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let sid = json_sid(&message, &uri)?;
    let message = state
        .store
        .message(sid)
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    Ok(Json(message.to_json()))
}
