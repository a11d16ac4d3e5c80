//! OpenAI Realtime (GA events, protocols.md §7) as a [`ProviderSession`]: the `session.update`
//! built from the agent script and settings, the client events for each command, and the server
//! events parsed into an enum at the edge and mapped to [`ProviderEvent`]s.

use super::handshake::{self, HandshakeError, Socket};
use super::script::{AgentScript, Tool};
use super::session::{
    AudioFormat, Decoded, ProviderCommand, ProviderEvent, ProviderFailure, ProviderSession,
    Speaker, Usage, Wire,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The model that transcribes the caller.
const TRANSCRIPTION_MODEL: &str = "gpt-4o-mini-transcribe";

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct OpenAiEndpoint {
    /// `OPENAI_REALTIME_URL` (without `?model=`).
    pub url: String,
    pub api_key: SecretString,
    pub model: String,
    pub voice: String,
    /// `audio/pcmu` or `audio/pcm` (the `openai_audio_format` setting); both directions.
    pub audio_format: String,
    /// How long each handshake step may wait.
    pub wait: Duration,
}

impl OpenAiEndpoint {
    /// The session's audio format: PCM16 24 kHz for `audio/pcm`, otherwise mu-law.
    pub fn format(&self) -> AudioFormat {
        match self.audio_format.as_str() {
            "audio/pcm" => AudioFormat::Pcm16 { rate_hz: 24_000 },
            _ => AudioFormat::Mulaw8k,
        }
    }
}

/// Opens an OpenAI Realtime session for `script`; the agent waits for [`ProviderSession::greet`].
pub async fn connect(
    endpoint: OpenAiEndpoint,
    script: AgentScript,
) -> Result<ProviderSession, ProviderFailure> {
    let format = endpoint.format();
    let mut wire = OpenAiWire { endpoint, script };
    let socket = wire.open().await.map_err(ProviderFailure::Handshake)?;
    Ok(ProviderSession::spawn(wire, socket, format, format))
}

struct OpenAiWire {
    endpoint: OpenAiEndpoint,
    script: AgentScript,
}

/// The GA `session` object of `session.update`.
fn session_config(endpoint: &OpenAiEndpoint, script: &AgentScript) -> Value {
    let format = match endpoint.format() {
        AudioFormat::Pcm16 { rate_hz } => json!({"type": "audio/pcm", "rate": rate_hz}),
        AudioFormat::Mulaw8k => json!({"type": "audio/pcmu"}),
    };
    let language = script.language.split('-').next().unwrap_or_default();
    let tools: Vec<Value> = Tool::ALL
        .iter()
        .map(|tool| json!({"type": "function", "name": tool.name(), "description": tool.description(), "parameters": tool.parameters()}))
        .collect();
    json!({
        "type": "realtime",
        "model": endpoint.model,
        "instructions": script.instructions,
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": format,
                "turn_detection": {"type": "server_vad", "create_response": true, "interrupt_response": true},
                "transcription": {"model": TRANSCRIPTION_MODEL, "language": language},
            },
            "output": {"format": format, "voice": endpoint.voice},
        },
        "tools": tools,
        "tool_choice": "auto",
    })
}

#[async_trait::async_trait]
impl Wire for OpenAiWire {
    async fn open(&mut self) -> Result<Socket, HandshakeError> {
        let endpoint = &self.endpoint;
        let session = session_config(endpoint, &self.script);
        let (socket, _) = handshake::openai_open(
            &endpoint.url,
            &endpoint.api_key,
            &endpoint.model,
            session,
            endpoint.wait,
        )
        .await?;
        Ok(socket)
    }

    fn encode(&mut self, command: ProviderCommand) -> Vec<Value> {
        match command {
            ProviderCommand::Audio(audio) => {
                vec![json!({"type": "input_audio_buffer.append", "audio": BASE64.encode(audio)})]
            }
            ProviderCommand::Truncate {
                item_id,
                audio_end_ms,
            } => vec![
                json!({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": audio_end_ms}),
            ],
            ProviderCommand::ToolResult {
                call_id,
                output,
                respond,
                ..
            } => {
                let item = json!({"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": call_id, "output": output.to_string()}});
                if respond {
                    vec![item, json!({"type": "response.create"})]
                } else {
                    vec![item]
                }
            }
            ProviderCommand::Greet => vec![
                json!({"type": "response.create", "response": {"instructions": self.script.greeting_prompt()}}),
            ],
            ProviderCommand::Encoded(_) | ProviderCommand::Close => Vec::new(),
        }
    }

    fn decode(&mut self, text: &str) -> Decoded {
        match serde_json::from_str::<ServerEvent>(text) {
            Ok(event) => Decoded {
                events: events(event, text),
                reconnect: false,
            },
            Err(e) => {
                tracing::warn!(error = %e, "skipping a malformed OpenAI event");
                Decoded::default()
            }
        }
    }
}

/// The server events the bridge needs (GA names); all others are `Other`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum ServerEvent {
    #[serde(rename = "response.output_audio.delta")]
    AudioDelta {
        item_id: Option<String>,
        /// Required, but not read here: the bridge's transcoder decodes it from the text.
        #[allow(dead_code)]
        delta: serde::de::IgnoredAny,
    },
    #[serde(rename = "input_audio_buffer.speech_started")]
    SpeechStarted,
    #[serde(rename = "response.output_audio_transcript.delta")]
    AgentDelta { delta: String },
    #[serde(rename = "response.output_audio_transcript.done")]
    AgentDone { transcript: String },
    #[serde(rename = "conversation.item.input_audio_transcription.delta")]
    CallerDelta { delta: String },
    #[serde(rename = "conversation.item.input_audio_transcription.completed")]
    CallerDone { transcript: String },
    #[serde(rename = "response.function_call_arguments.done")]
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    #[serde(rename = "response.done")]
    ResponseDone { response: ResponseBody },
    #[serde(rename = "error")]
    Error { error: ErrorBody },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct ResponseBody {
    usage: Option<UsageBody>,
}

#[derive(Debug, Deserialize)]
struct UsageBody {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    total_tokens: u64,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: String,
}

/// The events of `event`, parsed from `text`.
fn events(event: ServerEvent, text: &str) -> Vec<ProviderEvent> {
    let transcript = |speaker, text: String, done: bool| {
        if done {
            ProviderEvent::TranscriptDone { speaker, text }
        } else {
            ProviderEvent::TranscriptDelta { speaker, text }
        }
    };
    match event {
        ServerEvent::AudioDelta { item_id, .. } => vec![ProviderEvent::Audio {
            item_id,
            message: text.to_owned(),
        }],
        ServerEvent::SpeechStarted => vec![ProviderEvent::SpeechStarted],
        ServerEvent::AgentDelta { delta } => vec![transcript(Speaker::Agent, delta, false)],
        ServerEvent::AgentDone { transcript: text } => vec![transcript(Speaker::Agent, text, true)],
        ServerEvent::CallerDelta { delta } => vec![transcript(Speaker::Caller, delta, false)],
        ServerEvent::CallerDone { transcript: text } => {
            vec![transcript(Speaker::Caller, text, true)]
        }
        ServerEvent::FunctionCall {
            call_id,
            name,
            arguments,
        } => vec![ProviderEvent::ToolCall {
            call_id,
            name,
            arguments: serde_json::from_str(&arguments).unwrap_or(Value::String(arguments)),
        }],
        ServerEvent::ResponseDone { response } => {
            let usage = response.usage.map(|u| {
                ProviderEvent::Usage(Usage {
                    input_tokens: u.input_tokens,
                    output_tokens: u.output_tokens,
                    total_tokens: u.total_tokens,
                })
            });
            usage
                .into_iter()
                .chain([ProviderEvent::ResponseDone])
                .collect()
        }
        ServerEvent::Error { error } => vec![ProviderEvent::Error {
            code: error.code.or(error.kind).unwrap_or_default(),
            message: error.message,
        }],
        ServerEvent::Other => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire() -> OpenAiWire {
        OpenAiWire {
            endpoint: OpenAiEndpoint {
                url: "ws://127.0.0.1:1/v1/realtime".into(),
                api_key: SecretString::from("sk-test".to_owned()),
                model: "gpt-realtime-2.1".into(),
                voice: "marin".into(),
                audio_format: "audio/pcmu".into(),
                wait: Duration::from_secs(1),
            },
            script: AgentScript {
                instructions: "Be brief.".into(),
                greeting: "Bonjour Marie.".into(),
                language: "fr-FR".into(),
            },
        }
    }

    fn decode(text: &str) -> Vec<ProviderEvent> {
        let decoded = wire().decode(text);
        assert!(!decoded.reconnect);
        decoded.events
    }

    #[test]
    fn audio_deltas_keep_their_message_and_item() {
        let text = r#"{"type":"response.output_audio.delta","event_id":"e1","response_id":"r1","item_id":"item_1","output_index":0,"content_index":0,"delta":"AAH/"}"#;
        assert_eq!(
            decode(text),
            [ProviderEvent::Audio {
                item_id: Some("item_1".into()),
                message: text.into()
            }]
        );
    }

    #[test]
    fn transcripts_barge_in_and_tool_calls_are_mapped() {
        assert_eq!(
            decode(
                r#"{"type":"input_audio_buffer.speech_started","audio_start_ms":10,"item_id":"i"}"#
            ),
            [ProviderEvent::SpeechStarted]
        );
        assert_eq!(
            decode(
                r#"{"type":"conversation.item.input_audio_transcription.completed","item_id":"i","content_index":0,"transcript":"Oui"}"#
            ),
            [ProviderEvent::TranscriptDone {
                speaker: Speaker::Caller,
                text: "Oui".into()
            }]
        );
        assert_eq!(
            decode(r#"{"type":"response.output_audio_transcript.delta","delta":"Bon"}"#),
            [ProviderEvent::TranscriptDelta {
                speaker: Speaker::Agent,
                text: "Bon".into()
            }]
        );
        assert_eq!(
            decode(
                r#"{"type":"response.function_call_arguments.done","call_id":"c1","item_id":"i","name":"add_delivery_note","arguments":"{\"note\":\"code 12\"}"}"#
            ),
            [ProviderEvent::ToolCall {
                call_id: "c1".into(),
                name: "add_delivery_note".into(),
                arguments: json!({"note": "code 12"})
            }]
        );
    }

    #[test]
    fn response_done_reports_usage_then_done() {
        let events = decode(
            r#"{"type":"response.done","response":{"id":"r1","status":"completed","usage":{"total_tokens":30,"input_tokens":20,"output_tokens":10}}}"#,
        );
        let usage = Usage {
            input_tokens: 20,
            output_tokens: 10,
            total_tokens: 30,
        };
        assert_eq!(
            events,
            [ProviderEvent::Usage(usage), ProviderEvent::ResponseDone]
        );
    }

    #[test]
    fn errors_are_recoverable_events_and_unknown_or_malformed_events_are_skipped() {
        assert_eq!(
            decode(
                r#"{"type":"error","error":{"type":"invalid_request_error","code":"bad_truncate","message":"too long"}}"#
            ),
            [ProviderEvent::Error {
                code: "bad_truncate".into(),
                message: "too long".into()
            }]
        );
        assert!(decode(r#"{"type":"rate_limits.updated","rate_limits":[]}"#).is_empty());
        assert!(decode(r#"{"type":"response.output_audio.delta"}"#).is_empty());
        assert!(decode("not json").is_empty());
    }

    #[test]
    fn tool_results_are_an_output_item_then_a_new_response() {
        let result = |respond| ProviderCommand::ToolResult {
            call_id: "c1".into(),
            name: "add_delivery_note".into(),
            output: json!({"ok": true}),
            respond,
        };
        let messages = wire().encode(result(true));
        assert_eq!(messages[0]["item"]["type"], "function_call_output");
        assert_eq!(messages[0]["item"]["call_id"], "c1");
        assert_eq!(messages[0]["item"]["output"], r#"{"ok":true}"#);
        assert_eq!(messages[1], json!({"type": "response.create"}));
        // After end_call's result the agent has said goodbye: no new response.
        assert_eq!(wire().encode(result(false)).len(), 1);
    }
}
