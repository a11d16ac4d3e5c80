//! Gemini Live (protocols.md §8) as a [`ProviderSession`]: the `setup` built from the agent
//! script and settings, the client messages for each command, and the server messages parsed
//! at the edge into [`ProviderEvent`]s. It keeps the latest session-resumption handle and, when
//! Gemini sends `goAway` (its connection cap), resumes on a new connection without the bridge
//! noticing beyond a `Resumed` event.

use super::handshake::{self, HandshakeError, Socket};
use super::script::{AgentScript, Tool};
use super::session::{
    AudioFormat, Decoded, ProviderCommand, ProviderEvent, ProviderFailure, ProviderSession,
    Speaker, Usage, Wire,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;

mod events;
use events::{ServerContent, ServerMessage, Transcription};

/// Caller audio: PCM16 LE mono at 16 kHz.
pub const INPUT_FORMAT: AudioFormat = AudioFormat::Pcm16 { rate_hz: 16_000 };
/// Agent audio: PCM16 LE mono at 24 kHz.
pub const OUTPUT_FORMAT: AudioFormat = AudioFormat::Pcm16 { rate_hz: 24_000 };
const INPUT_MIME: &str = "audio/pcm;rate=16000";

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct GeminiEndpoint {
    /// `GEMINI_LIVE_URL`.
    pub url: String,
    pub api_key: SecretString,
    pub model: String,
    pub voice: String,
    /// How long each handshake step may wait.
    pub wait: Duration,
}

/// Opens a Gemini Live session for `script`; the agent waits for [`ProviderSession::greet`].
pub async fn connect(
    endpoint: GeminiEndpoint,
    script: AgentScript,
) -> Result<ProviderSession, ProviderFailure> {
    let mut wire = GeminiWire::new(endpoint, script);
    let socket = wire.open().await.map_err(ProviderFailure::Handshake)?;
    Ok(ProviderSession::spawn(
        wire,
        socket,
        INPUT_FORMAT,
        OUTPUT_FORMAT,
    ))
}

struct GeminiWire {
    endpoint: GeminiEndpoint,
    script: AgentScript,
    /// The latest resumable handle Gemini gave (`sessionResumptionUpdate.newHandle`).
    handle: Option<String>,
    /// Gemini sent `goAway` on this connection: its end is expected, resume after it.
    went_away: bool,
    /// Transcription pieces of the utterance under way, per speaker.
    caller_text: String,
    agent_text: String,
}

impl GeminiWire {
    fn new(endpoint: GeminiEndpoint, script: AgentScript) -> Self {
        GeminiWire {
            endpoint,
            script,
            handle: None,
            went_away: false,
            caller_text: String::new(),
            agent_text: String::new(),
        }
    }

    /// The `setup` message's body, resuming with the handle when there is one.
    fn setup(&self) -> Value {
        let declarations: Vec<Value> = Tool::ALL
            .iter()
            .map(|tool| json!({"name": tool.name(), "description": tool.description(), "parameters": upper_types(tool.parameters())}))
            .collect();
        let resumption = match &self.handle {
            Some(handle) => json!({"handle": handle}),
            None => json!({}),
        };
        json!({
            "model": handshake::gemini_model(&self.endpoint.model),
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": {
                    "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": self.endpoint.voice}},
                    "languageCode": self.script.language,
                },
            },
            "systemInstruction": {"parts": [{"text": self.script.instructions}], "role": "user"},
            "tools": [{"functionDeclarations": declarations}],
            "inputAudioTranscription": {},
            "outputAudioTranscription": {},
            "sessionResumption": resumption,
            "contextWindowCompression": {"slidingWindow": {}},
        })
    }

    /// A transcription piece: a delta, then the whole utterance once `finished`.
    fn transcription(
        &mut self,
        speaker: Speaker,
        piece: Transcription,
        out: &mut Vec<ProviderEvent>,
    ) {
        if let Some(text) = piece.text.filter(|t| !t.is_empty()) {
            self.text_of(speaker).push_str(&text);
            out.push(ProviderEvent::TranscriptDelta { speaker, text });
        }
        if piece.finished {
            self.flush(speaker, out);
        }
    }

    fn text_of(&mut self, speaker: Speaker) -> &mut String {
        match speaker {
            Speaker::Caller => &mut self.caller_text,
            Speaker::Agent => &mut self.agent_text,
        }
    }

    fn flush(&mut self, speaker: Speaker, out: &mut Vec<ProviderEvent>) {
        let text = std::mem::take(self.text_of(speaker));
        if !text.is_empty() {
            out.push(ProviderEvent::TranscriptDone { speaker, text });
        }
    }

    /// The events of `content`, part of the message `text`.
    fn server_content(&mut self, content: ServerContent, text: &str, out: &mut Vec<ProviderEvent>) {
        if let Some(piece) = content.input_transcription {
            self.transcription(Speaker::Caller, piece, out);
        }
        if let Some(piece) = content.output_transcription {
            self.transcription(Speaker::Agent, piece, out);
        }
        let parts = content
            .model_turn
            .map(|turn| turn.parts)
            .unwrap_or_default();
        if parts.iter().any(|part| part.inline_data.is_some()) {
            out.push(ProviderEvent::Audio {
                item_id: None,
                message: text.to_owned(),
            });
        }
        if content.interrupted {
            out.push(ProviderEvent::Interrupted);
        }
        if content.turn_complete {
            self.flush(Speaker::Caller, out);
            self.flush(Speaker::Agent, out);
            out.push(ProviderEvent::ResponseDone);
        }
    }
}

/// Gemini's schemas spell types in capitals (`OBJECT`, `STRING`).
fn upper_types(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        for (key, value) in object.iter_mut() {
            match value {
                Value::String(kind) if key == "type" => *kind = kind.to_ascii_uppercase(),
                Value::Object(_) => *value = upper_types(value.take()),
                _ => {}
            }
        }
    }
    schema
}

#[async_trait::async_trait]
impl Wire for GeminiWire {
    async fn open(&mut self) -> Result<Socket, HandshakeError> {
        let endpoint = &self.endpoint;
        let socket = handshake::gemini_open(
            &endpoint.url,
            &endpoint.api_key,
            self.setup(),
            endpoint.wait,
        )
        .await?;
        self.went_away = false;
        Ok(socket)
    }

    fn encode(&mut self, command: ProviderCommand) -> Vec<Value> {
        match command {
            ProviderCommand::Audio(audio) => vec![
                json!({"realtimeInput": {"audio": {"data": BASE64.encode(audio), "mimeType": INPUT_MIME}}}),
            ],
            ProviderCommand::ToolResult {
                call_id,
                name,
                output,
                ..
            } => {
                let response = match output {
                    Value::Object(_) => output,
                    other => json!({"result": other}),
                };
                vec![
                    json!({"toolResponse": {"functionResponses": [{"id": call_id, "name": name, "response": response}]}}),
                ]
            }
            ProviderCommand::Greet => vec![json!({"clientContent": {
                "turns": [{"role": "user", "parts": [{"text": self.script.greeting_prompt()}]}],
                "turnComplete": true,
            }})],
            // Gemini drops the unheard audio itself when it reports `interrupted`.
            ProviderCommand::Truncate { .. }
            | ProviderCommand::Encoded(_)
            | ProviderCommand::Close => Vec::new(),
        }
    }

    fn decode(&mut self, text: &str) -> Decoded {
        let message = match serde_json::from_str::<ServerMessage>(text) {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "skipping a malformed Gemini message");
                return Decoded::default();
            }
        };
        let mut events = Vec::new();
        if let Some(content) = message.server_content {
            self.server_content(content, text, &mut events);
        }
        for call in message
            .tool_call
            .map(|t| t.function_calls)
            .unwrap_or_default()
        {
            events.push(ProviderEvent::ToolCall {
                call_id: call.id,
                name: call.name,
                arguments: call.args.unwrap_or_else(|| json!({})),
            });
        }
        if let Some(update) = message.session_resumption_update {
            if let (true, Some(handle)) = (update.resumable, update.new_handle) {
                self.handle = Some(handle);
            }
        }
        if let Some(usage) = message.usage_metadata {
            events.push(ProviderEvent::Usage(Usage {
                input_tokens: usage.prompt_token_count,
                output_tokens: usage.response_token_count,
                total_tokens: usage.total_token_count,
            }));
        }
        if let Some(cancelled) = message.tool_call_cancellation {
            events.push(ProviderEvent::ToolCallsCancelled {
                call_ids: cancelled.ids,
            });
        }
        let mut reconnect = false;
        if let Some(go_away) = message.go_away {
            tracing::info!(time_left = ?go_away.time_left, "Gemini asked to reconnect");
            self.went_away = true;
            reconnect = self.handle.is_some();
        }
        Decoded { events, reconnect }
    }

    fn resumable(&self) -> bool {
        self.went_away && self.handle.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire() -> GeminiWire {
        let endpoint = GeminiEndpoint {
            url: "ws://127.0.0.1:1/gemini".into(),
            api_key: SecretString::from("AIza-test".to_owned()),
            model: "gemini-3.8-live".into(),
            voice: "Puck".into(),
            wait: Duration::from_secs(1),
        };
        let script = AgentScript {
            instructions: "Be brief.".into(),
            greeting: "Bonjour Marie.".into(),
            language: "fr-FR".into(),
        };
        GeminiWire::new(endpoint, script)
    }

    #[test]
    fn every_part_of_a_model_turn_is_audio_then_interruption_and_turn_end() {
        let mut wire = wire();
        let text = r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AAE="}},{"text":"hm"},{"inlineData":{"mimeType":"audio/pcm","data":"Ag=="}}]},"interrupted":true,"turnComplete":true}}"#;
        let decoded = wire.decode(text);
        let audio = ProviderEvent::Audio {
            item_id: None,
            message: text.into(),
        };
        assert_eq!(
            decoded.events,
            [
                audio,
                ProviderEvent::Interrupted,
                ProviderEvent::ResponseDone
            ]
        );
    }

    #[test]
    fn transcription_pieces_become_deltas_then_the_whole_utterance() {
        let mut wire = wire();
        wire.decode(r#"{"serverContent":{"outputTranscription":{"text":"Bon"}}}"#);
        let events = wire
            .decode(r#"{"serverContent":{"outputTranscription":{"text":"jour","finished":true}}}"#)
            .events;
        assert_eq!(
            events,
            [
                ProviderEvent::TranscriptDelta {
                    speaker: Speaker::Agent,
                    text: "jour".into()
                },
                ProviderEvent::TranscriptDone {
                    speaker: Speaker::Agent,
                    text: "Bonjour".into()
                }
            ]
        );
    }

    #[test]
    fn tool_calls_and_usage_are_mapped_and_tool_results_answer_with_the_same_id() {
        let mut wire = wire();
        let events = wire
            .decode(r#"{"toolCall":{"functionCalls":[{"id":"fc1","name":"end_call","args":{"reason":"done"}}]},"usageMetadata":{"promptTokenCount":7,"responseTokenCount":3,"totalTokenCount":10}}"#)
            .events;
        assert_eq!(
            events,
            [
                ProviderEvent::ToolCall {
                    call_id: "fc1".into(),
                    name: "end_call".into(),
                    arguments: json!({"reason": "done"})
                },
                ProviderEvent::Usage(Usage {
                    input_tokens: 7,
                    output_tokens: 3,
                    total_tokens: 10
                })
            ]
        );
        let reply = wire.encode(ProviderCommand::ToolResult {
            call_id: "fc1".into(),
            name: "end_call".into(),
            output: json!("ok"),
            respond: false,
        });
        assert_eq!(
            reply,
            [
                json!({"toolResponse": {"functionResponses": [{"id": "fc1", "name": "end_call", "response": {"result": "ok"}}]}})
            ]
        );
    }

    #[test]
    fn go_away_reconnects_only_with_a_resumable_handle_which_the_next_setup_carries() {
        let mut wire = wire();
        assert!(!wire.decode(r#"{"goAway":{"timeLeft":"50s"}}"#).reconnect);
        wire.decode(r#"{"sessionResumptionUpdate":{"newHandle":"h0","resumable":false}}"#);
        assert_eq!(wire.setup()["sessionResumption"], json!({}));
        wire.decode(r#"{"sessionResumptionUpdate":{"newHandle":"h1","resumable":true}}"#);
        assert!(wire.decode(r#"{"goAway":{"timeLeft":"10s"}}"#).reconnect);
        assert!(wire.resumable());
        assert_eq!(wire.setup()["sessionResumption"], json!({"handle": "h1"}));
    }

    #[test]
    fn tool_schemas_use_gemini_type_names() {
        let schema = upper_types(Tool::AddDeliveryNote.parameters());
        assert_eq!(schema["type"], "OBJECT");
        assert_eq!(schema["properties"]["note"]["type"], "STRING");
        assert_eq!(schema["required"], json!(["note"]));
    }

    #[test]
    fn cancelled_tool_calls_are_named() {
        let decoded = wire().decode(r#"{"toolCallCancellation":{"ids":["fc1","fc2"]}}"#);
        let call_ids = vec!["fc1".to_owned(), "fc2".to_owned()];
        assert_eq!(
            decoded.events,
            [ProviderEvent::ToolCallsCancelled { call_ids }]
        );
    }

    #[test]
    fn snake_case_spellings_are_accepted_too() {
        let text = r#"{"server_content":{"model_turn":{"parts":[{"inline_data":{"mime_type":"audio/pcm","data":"AQ=="}}]},"turn_complete":true}}"#;
        let audio = ProviderEvent::Audio {
            item_id: None,
            message: text.into(),
        };
        assert_eq!(
            wire().decode(text).events,
            [audio, ProviderEvent::ResponseDone]
        );
    }

    #[test]
    fn malformed_messages_are_skipped() {
        assert_eq!(wire().decode("{\"serverContent\": 3}"), Decoded::default());
        assert_eq!(wire().decode("[]"), Decoded::default());
    }
}
