//! Gemini Live server messages (`LiveServerMessage`, protocols.md §8.4) as serde types: only the
//! parts the session maps to events. Canonical names are camelCase; the proto-JSON snake_case
//! spellings are accepted too. Private to the Gemini provider.

use serde::Deserialize;
use serde_json::Value;

/// A `LiveServerMessage`, camelCase; the parts the bridge needs.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ServerMessage {
    #[serde(alias = "server_content")]
    pub(super) server_content: Option<ServerContent>,
    #[serde(alias = "tool_call")]
    pub(super) tool_call: Option<ToolCall>,
    #[serde(alias = "tool_call_cancellation")]
    pub(super) tool_call_cancellation: Option<ToolCallCancellation>,
    #[serde(alias = "go_away")]
    pub(super) go_away: Option<GoAway>,
    #[serde(alias = "session_resumption_update")]
    pub(super) session_resumption_update: Option<ResumptionUpdate>,
    #[serde(alias = "usage_metadata")]
    pub(super) usage_metadata: Option<UsageMetadata>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ServerContent {
    #[serde(alias = "model_turn")]
    pub(super) model_turn: Option<ModelTurn>,
    pub(super) interrupted: bool,
    #[serde(alias = "turn_complete")]
    pub(super) turn_complete: bool,
    #[serde(alias = "input_transcription")]
    pub(super) input_transcription: Option<Transcription>,
    #[serde(alias = "output_transcription")]
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
    #[serde(alias = "inline_data")]
    pub(super) inline_data: Option<Blob>,
}

/// Inline data: audio, which the bridge's transcoder decodes from the message text itself.
#[derive(Debug, Deserialize)]
pub(super) struct Blob {
    #[allow(dead_code)]
    pub(super) data: serde::de::IgnoredAny,
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
    #[serde(alias = "function_calls")]
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
    #[serde(alias = "time_left")]
    pub(super) time_left: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ResumptionUpdate {
    #[serde(alias = "new_handle")]
    pub(super) new_handle: Option<String>,
    pub(super) resumable: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct UsageMetadata {
    #[serde(alias = "prompt_token_count")]
    pub(super) prompt_token_count: u64,
    #[serde(alias = "response_token_count")]
    pub(super) response_token_count: u64,
    #[serde(alias = "total_token_count")]
    pub(super) total_token_count: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ToolCallCancellation {
    pub(super) ids: Vec<String>,
}
