//! The agent's tool calls made safe: the model's arguments parsed into a [`ToolRequest`] (unknown
//! fields refused, so no argument can name another order), the note line a call appends to the
//! order, and each result in plain words for staff. Pure: `calls::journal` does the IO.

use crate::providers::script::Tool;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The longest note the agent may add (the model can ramble; staff read it on the page).
pub const NOTE_MAX_CHARS: usize = 500;
/// The longest window request or reason kept.
pub const REQUEST_MAX_CHARS: usize = 200;

/// A tool call with its arguments checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolRequest {
    GetOrderDetails,
    AddDeliveryNote {
        note: String,
    },
    ConfirmDeliveryWindow,
    RequestNewDeliveryWindow {
        preferred_window: String,
        reason: Option<String>,
    },
    EndCall {
        reason: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArguments {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteArguments {
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowArguments {
    preferred_window: String,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndArguments {
    reason: Option<String>,
}

/// Trimmed `text`, refused when empty or longer than `max` characters.
fn required(field: &str, text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{field} is empty"));
    }
    if text.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    Ok(text.to_owned())
}

/// Like [`required`], but empty means absent.
fn optional(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, String> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required(field, text, max).map(Some),
    }
}

/// Reads `arguments` as `T`; `null` (no arguments at all) reads as `{}`.
fn read<T: for<'de> Deserialize<'de>>(arguments: &Value) -> Result<T, String> {
    let arguments = match arguments {
        Value::Null => Value::Object(Default::default()),
        Value::Object(_) => arguments.clone(),
        _ => return Err("the arguments are not a JSON object".to_owned()),
    };
    serde_json::from_value(arguments).map_err(|e| format!("bad arguments: {e}"))
}

/// Checks the model's arguments for `tool`; the error is plain words for the model.
pub fn parse(tool: Tool, arguments: &Value) -> Result<ToolRequest, String> {
    Ok(match tool {
        Tool::GetOrderDetails => {
            read::<NoArguments>(arguments)?;
            ToolRequest::GetOrderDetails
        }
        Tool::ConfirmDeliveryWindow => {
            read::<NoArguments>(arguments)?;
            ToolRequest::ConfirmDeliveryWindow
        }
        Tool::AddDeliveryNote => {
            let args: NoteArguments = read(arguments)?;
            ToolRequest::AddDeliveryNote {
                note: required("note", &args.note, NOTE_MAX_CHARS)?,
            }
        }
        Tool::RequestNewDeliveryWindow => {
            let args: WindowArguments = read(arguments)?;
            ToolRequest::RequestNewDeliveryWindow {
                preferred_window: required(
                    "preferred_window",
                    &args.preferred_window,
                    REQUEST_MAX_CHARS,
                )?,
                reason: optional("reason", args.reason, REQUEST_MAX_CHARS)?,
            }
        }
        Tool::EndCall => {
            let args: EndArguments = read(arguments)?;
            ToolRequest::EndCall {
                reason: optional("reason", args.reason, REQUEST_MAX_CHARS)?,
            }
        }
    })
}

/// The line a note adds to the order's notes: `Call 28 Nov 14:05 UTC: ring twice`.
pub fn note_line(at: DateTime<Utc>, note: &str) -> String {
    format!("Call {}: {note}", at.format("%d %b %H:%M UTC"))
}

/// How a window request is kept on the order: the window, then the reason if given.
pub fn window_request_text(preferred_window: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("{preferred_window} (reason: {reason})"),
        None => preferred_window.to_owned(),
    }
}

/// `{"error": message}`: what the model gets for anything that went wrong.
pub fn error(message: impl Into<String>) -> Value {
    serde_json::json!({ "error": message.into() })
}

/// A tool's result in plain words for staff ("note added to the order", "error: note is empty").
pub fn summary(tool: Option<Tool>, result: &Value) -> String {
    if let Some(message) = result.get("error").and_then(Value::as_str) {
        return format!("error: {message}");
    }
    let text = match tool {
        Some(Tool::GetOrderDetails) => "order details read".to_owned(),
        Some(Tool::AddDeliveryNote) => "note added to the order".to_owned(),
        Some(Tool::ConfirmDeliveryWindow) => "delivery window confirmed".to_owned(),
        Some(Tool::RequestNewDeliveryWindow) => "other delivery window requested".to_owned(),
        Some(Tool::EndCall) => "call ending".to_owned(),
        None => result.to_string(),
    };
    text.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_note_is_trimmed_and_must_be_present_non_empty_and_short() {
        assert_eq!(
            parse(Tool::AddDeliveryNote, &json!({"note": "  code 1234 \n"})),
            Ok(ToolRequest::AddDeliveryNote {
                note: "code 1234".into()
            })
        );
        assert_eq!(
            parse(Tool::AddDeliveryNote, &json!({"note": "   "})),
            Err("note is empty".into())
        );
        let long = "a".repeat(NOTE_MAX_CHARS + 1);
        assert_eq!(
            parse(Tool::AddDeliveryNote, &json!({ "note": long })),
            Err("note is longer than 500 characters".into())
        );
        assert!(parse(Tool::AddDeliveryNote, &json!({}))
            .unwrap_err()
            .contains("missing field `note`"));
        assert!(parse(Tool::AddDeliveryNote, &json!({"note": 12})).is_err());
    }

    #[test]
    fn no_argument_can_name_another_order() {
        for tool in Tool::ALL {
            // The tool's valid arguments, plus an order id.
            let mut arguments = json!({"order_id": 2});
            for field in tool.parameters()["required"].as_array().unwrap() {
                arguments[field.as_str().unwrap()] = json!("x");
            }
            let result = parse(tool, &arguments);
            assert!(
                result.unwrap_err().contains("unknown field `order_id`"),
                "{tool:?}"
            );
        }
    }

    #[test]
    fn arguments_that_are_not_an_object_are_refused_and_null_means_none() {
        assert_eq!(
            parse(Tool::ConfirmDeliveryWindow, &json!("{not json")),
            Err("the arguments are not a JSON object".into())
        );
        assert_eq!(
            parse(Tool::GetOrderDetails, &Value::Null),
            Ok(ToolRequest::GetOrderDetails)
        );
        assert_eq!(
            parse(Tool::EndCall, &json!({})),
            Ok(ToolRequest::EndCall { reason: None })
        );
    }

    #[test]
    fn a_window_request_needs_a_window_and_keeps_an_optional_reason() {
        assert_eq!(
            parse(
                Tool::RequestNewDeliveryWindow,
                &json!({"preferred_window": " tomorrow 14-16 ", "reason": ""})
            ),
            Ok(ToolRequest::RequestNewDeliveryWindow {
                preferred_window: "tomorrow 14-16".into(),
                reason: None
            })
        );
        assert_eq!(
            parse(
                Tool::RequestNewDeliveryWindow,
                &json!({"preferred_window": ""})
            ),
            Err("preferred_window is empty".into())
        );
        assert_eq!(
            window_request_text("tomorrow 14-16", Some("at work")),
            "tomorrow 14-16 (reason: at work)"
        );
    }

    #[test]
    fn the_note_line_says_it_came_from_a_call_and_when() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T14:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            note_line(at, "ring twice"),
            "Call 28 Nov 14:05 UTC: ring twice"
        );
    }

    #[test]
    fn results_are_summarized_in_plain_words() {
        assert_eq!(
            summary(Some(Tool::AddDeliveryNote), &error("note is empty")),
            "error: note is empty"
        );
        assert_eq!(
            summary(Some(Tool::ConfirmDeliveryWindow), &json!({"ok": true})),
            "delivery window confirmed"
        );
    }
}
