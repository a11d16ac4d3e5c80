//! The provider messages that carry audio, as far as the transcoder reads and writes them: the
//! OpenAI Realtime audio delta, Gemini Live's audio parts, and the JSON around the audio the
//! agents take as input. Everything else about the providers' protocols belongs to their
//! sessions, not here.

use super::transcode::TranscodeError;
use serde::Deserialize;
use std::borrow::Cow;

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

impl OpenAiServer {
    /// Whether `json` parses as [`OpenAiServer::AudioDelta`], answered for well-formed events
    /// without building one (no allocation on the audio hot path); anything else is left to
    /// the full parse, so the answer and the errors are the same.
    pub(super) fn is_audio_delta(json: &str) -> Result<bool, serde_json::Error> {
        if let Ok(probe) = serde_json::from_str::<OpenAiProbe>(json) {
            let audio = AUDIO_DELTA_TYPES.contains(&&*probe.kind);
            if !audio || probe.delta.is_some() {
                return Ok(audio);
            }
        }
        Ok(matches!(
            serde_json::from_str(json)?,
            OpenAiServer::AudioDelta { .. }
        ))
    }
}

/// The `type`s of [`OpenAiServer::AudioDelta`] (its name and alias above).
const AUDIO_DELTA_TYPES: [&str; 2] = ["response.output_audio.delta", "response.audio.delta"];

/// The tag and the member an audio delta requires, borrowed from the text.
#[derive(Deserialize)]
struct OpenAiProbe<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    delta: Option<Cow<'a, str>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_audio_delta_answers_as_the_full_parse_does() {
        let cases = [
            r#"{"type":"response.output_audio.delta","event_id":"e1","delta":""}"#,
            r#"{"type":"response.audio.delta","delta":""}"#,
            r#"{"type":"response.output_audio.delta"}"#,
            r#"{"type":"response.output_audio.delta","delta":5}"#,
            r#"{"type":"response.output_audio_transcript.delta","delta":"Bonjour"}"#,
            r#"{"type":"response.function_call_arguments.delta","delta":7}"#,
            r#"{"type":"response.output_audio\u002edelta","delta":""}"#,
            r#"{"type":"response.done","response":{}}"#,
            r#"{"delta":""}"#,
            r#"{"type":5}"#,
            r#"{"type":"response.output_audio.delta","delta":""} x"#,
        ];
        for json in cases {
            let full = serde_json::from_str::<OpenAiServer>(json)
                .map(|event| matches!(event, OpenAiServer::AudioDelta { .. }));
            match (OpenAiServer::is_audio_delta(json), full) {
                (Ok(fast), Ok(full)) => assert_eq!(fast, full, "{json}"),
                (fast, full) => assert!(fast.is_err() && full.is_err(), "{json}"),
            }
        }
    }
}
