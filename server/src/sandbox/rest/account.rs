//! `GET /2010-04-01/Accounts/{AccountSid}.json` and `.../IncomingPhoneNumbers.json`: the
//! sandbox account and its one number, in Twilio's JSON.

use super::errors::ApiError;
use super::params::{page_json, Paging, Query};
use super::{account_path, auth_token, json_sid, sandbox_number, SandboxRest};
use crate::sandbox::store::{format_number, rfc2822};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The account's display name.
const FRIENDLY_NAME: &str = "Orderline sandbox";

/// `GET .../Accounts/{AccountSid}.json`.
pub(super) async fn fetch_account(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let sid = json_sid(&account, &uri)?;
    state.check_account(sid, &uri)?;
    let base = account_path(&state);
    let sub = |name: &str| format!("{base}/{name}.json");
    let created = rfc2822(state.started_at);
    Ok(Json(json!({
        "auth_token": auth_token(&state),
        "date_created": created,
        "date_updated": created,
        "friendly_name": FRIENDLY_NAME,
        "owner_account_sid": sid,
        "sid": sid,
        "status": "active",
        "subresource_uris": {
            "addresses": sub("Addresses"),
            "applications": sub("Applications"),
            "available_phone_numbers": sub("AvailablePhoneNumbers"),
            "calls": sub("Calls"),
            "conferences": sub("Conferences"),
            "incoming_phone_numbers": sub("IncomingPhoneNumbers"),
            "messages": sub("Messages"),
            "notifications": sub("Notifications"),
            "outgoing_caller_ids": sub("OutgoingCallerIds"),
            "queues": sub("Queues"),
            "recordings": sub("Recordings"),
            "transcriptions": sub("Transcriptions"),
            "usage": sub("Usage"),
        },
        "type": "Full",
        "uri": format!("{base}.json"),
    })))
}

/// Whether `number` matches Twilio's `PhoneNumber` filter: a part of the number, `*` for any
/// digit.
fn matches_pattern(number: &str, pattern: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().filter(|c| *c != ' ').collect();
    let digits: Vec<char> = number.chars().collect();
    if pattern.is_empty() {
        return true;
    }
    digits.windows(pattern.len()).any(|window| {
        window
            .iter()
            .zip(&pattern)
            .all(|(d, p)| *p == '*' || d == p)
    })
}

/// The number's resource (`PN` SID derived from the number, so it stays the same).
fn phone_number_json(state: &SandboxRest) -> Value {
    let number = sandbox_number(state);
    let digest = hex::encode(Sha256::digest(number.as_bytes()));
    let sid = format!("PN{}", &digest[..32]);
    let base = account_path(state);
    let created = rfc2822(state.started_at);
    json!({
        "account_sid": state.credentials.account_sid,
        "address_requirements": "none",
        "address_sid": null,
        "api_version": "2010-04-01",
        "beta": false,
        "bundle_sid": null,
        "capabilities": { "fax": false, "mms": true, "sms": true, "voice": true },
        "date_created": created,
        "date_updated": created,
        "emergency_address_sid": null,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": format_number(number),
        "identity_sid": null,
        "origin": "twilio",
        "phone_number": number,
        "sid": sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status": "in-use",
        "status_callback": "",
        "status_callback_method": "POST",
        "subresource_uris": {
            "assigned_add_ons": format!("{base}/IncomingPhoneNumbers/{sid}/AssignedAddOns.json"),
        },
        "trunk_sid": null,
        "uri": format!("{base}/IncomingPhoneNumbers/{sid}.json"),
        "voice_application_sid": null,
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": null,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": null,
    })
}

/// `GET .../IncomingPhoneNumbers.json?PhoneNumber=`: the sandbox's number when it matches.
pub(super) async fn incoming_phone_numbers(
    State(state): State<SandboxRest>,
    Path(account): Path<String>,
    uri: Uri,
    Query(query): Query,
) -> Result<Json<Value>, ApiError> {
    state.check_account(&account, &uri)?;
    let paging = Paging::from_query(&query)?;
    let pattern = query.get("PhoneNumber");
    let numbers: Vec<Value> = pattern
        .is_none_or(|p| matches_pattern(sandbox_number(&state), p))
        .then(|| phone_number_json(&state))
        .into_iter()
        .collect();
    let filters: Vec<(String, String)> = pattern
        .map(|p| ("PhoneNumber".to_owned(), p.to_owned()))
        .into_iter()
        .collect();
    let path = format!("{}/IncomingPhoneNumbers.json", account_path(&state));
    Ok(Json(page_json(
        &numbers,
        |n| n["sid"].as_str().unwrap_or_default(),
        Value::clone,
        &paging,
        "incoming_phone_numbers",
        &path,
        &filters,
    )))
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn the_phone_number_filter_takes_parts_and_wildcards() {
        assert!(matches_pattern("+12015550142", "+12015550142"));
        assert!(matches_pattern("+12015550142", "5550142"));
        assert!(matches_pattern("+12015550142", "+1201555****"));
        assert!(!matches_pattern("+12015550142", "+12015550143"));
        assert!(!matches_pattern("+12015550142", "+33612345678"));
    }
}
