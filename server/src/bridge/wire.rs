//! The provider messages that carry audio, as far as the transcoder reads and writes them: the
//! OpenAI Realtime audio delta, Gemini Live's audio parts, and the JSON around the audio the
//! agents take as input. Everything else about the providers' protocols belongs to their
//! sessions, not here.

use super::transcode::TranscodeError;
use serde::Deserialize;

/// OpenAI Realtime `input_audio_buffer.append`, around the base64 audio.
pub(super) const OPENAI_APPEND: (&str, &str) =
    (r#"{"type":"input_audio_buffer.append","audio":""#, r#""}"#);

/// Gemini Live `realtimeInput.audio` (PCM16 16 kHz), around the base64 audio.
pub(super) const GEMINI_INPUT: (&str, &str) = (
    r#"{"realtimeInput":{"audio":{"data":""#,
    r#"","mimeType":"audio/pcm;rate=16000"}}}"#,
);

/// An OpenAI Realtime server event: only the audio delta matters to the transcoder.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(super) enum OpenAiServer {
    /// Base64 audio in the session's output format (GA name; the beta name is accepted too).
    #[serde(rename = "response.output_audio.delta", alias = "response.audio.delta")]
    AudioDelta { delta: String },
    /// Any other event.
    #[serde(other)]
    Other,
}

/// A Gemini Live server message (`LiveServerMessage`), down to the audio parts.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GeminiServer {
    #[serde(alias = "server_content")]
    server_content: Option<ServerContent>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerContent {
    #[serde(alias = "model_turn")]
    model_turn: Option<ModelTurn>,
}

#[derive(Debug, Deserialize)]
struct ModelTurn {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    #[serde(alias = "inline_data")]
    inline_data: Option<InlineData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineData {
    #[serde(alias = "mime_type")]
    mime_type: String,
    data: String,
}

/// The base64 data of every audio part of `message`, in order. Gemini's output is PCM16 24 kHz
/// (`audio/pcm;rate=24000`, or a bare `audio/pcm`, which means the same); any other audio
/// format is an error, non-audio parts are skipped.
pub(super) fn gemini_audio_parts(message: &GeminiServer) -> Result<Vec<&str>, TranscodeError> {
    let parts = message
        .server_content
        .as_ref()
        .and_then(|content| content.model_turn.as_ref())
        .map(|turn| turn.parts.as_slice())
        .unwrap_or_default();
    let mut audio = Vec::new();
    for inline in parts.iter().filter_map(|part| part.inline_data.as_ref()) {
        let mut fields = inline.mime_type.split(';').map(str::trim);
        let kind = fields.next().unwrap_or_default();
        if !kind.starts_with("audio/") {
            continue;
        }
        if kind != "audio/pcm" || !fields.all(|field| field == "rate=24000") {
            return Err(TranscodeError::Format(inline.mime_type.clone()));
        }
        audio.push(inline.data.as_str());
    }
    Ok(audio)
}
