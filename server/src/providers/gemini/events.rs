//! Gemini Live server messages (`LiveServerMessage`, protocols.md §8.4), camelCase, as serde
//! types: only the parts the session maps to events. Private to the Gemini provider.

use serde::Deserialize;
use serde_json::Value;

/// A `LiveServerMessage`, camelCase; the parts the bridge needs.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ServerMessage {
    pub(super) server_content: Option<ServerContent>,
    pub(super) tool_call: Option<ToolCall>,
    pub(super) tool_call_cancellation: Option<Value>,
    pub(super) go_away: Option<GoAway>,
    pub(super) session_resumption_update: Option<ResumptionUpdate>,
    pub(super) usage_metadata: Option<UsageMetadata>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ServerContent {
    pub(super) model_turn: Option<ModelTurn>,
    pub(super) interrupted: bool,
    pub(super) turn_complete: bool,
    pub(super) input_transcription: Option<Transcription>,
    pub(super) output_transcription: Option<Transcription>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ModelTurn {
    pub(super) parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Part {
    pub(super) inline_data: Option<Blob>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Blob {
    pub(super) data: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Transcription {
    pub(super) text: Option<String>,
    pub(super) finished: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ToolCall {
    #[serde(default)]
    pub(super) function_calls: Vec<FunctionCall>,
}

#[derive(Debug, Deserialize)]
pub(super) struct FunctionCall {
    #[serde(default)]
    pub(super) id: String,
    pub(super) name: String,
    pub(super) args: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GoAway {
    pub(super) time_left: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ResumptionUpdate {
    pub(super) new_handle: Option<String>,
    pub(super) resumable: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct UsageMetadata {
    pub(super) prompt_token_count: u64,
    pub(super) response_token_count: u64,
    pub(super) total_token_count: u64,
}
