//! The provider sessions against fake OpenAI Realtime and Gemini Live servers on loopback: what
//! each provider receives (handshake fields, audio bytes, tool results), the typed events the
//! bridge gets back, Gemini's resumption after `goAway`, and the failures that end a call.

mod demo;
pub(crate) mod fake;
mod gemini_session;
mod openai_session;

use app::api::{Provider, SettingKey, SettingSource};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use secrecy::SecretString;
use serde_json::{json, Value};
use server::providers::gemini::{self, GeminiEndpoint};
use server::providers::handshake::HandshakeError;
use server::providers::network::NetworkProblem;
use server::providers::openai::{self, OpenAiEndpoint};
use server::providers::script::{AgentScript, OrderFacts};
use server::providers::session::{
    AudioFormat, ProviderEvent, ProviderFailure, ProviderSession, Speaker,
};
use server::settings::resolve::Resolved;
use server::settings::{EffectiveSettings, ExternalUrls};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Settings holding `pairs` (as if saved in the database).
fn settings(pairs: &[(SettingKey, &str)]) -> EffectiveSettings {
    let resolved = |value: &str| Resolved {
        value: value.to_owned(),
        source: SettingSource::Database,
    };
    EffectiveSettings::new(pairs.iter().map(|(k, v)| (*k, resolved(v))).collect())
}

/// The script of an order, rendered from the settings' templates as a call would.
fn script() -> AgentScript {
    let settings = settings(&[
        (
            SettingKey::AgentInstructions,
            "Call {customer_name} about order {order_number}.",
        ),
        (
            SettingKey::AgentGreeting,
            "Bonjour {customer_name}, ici {business_name}.",
        ),
        (SettingKey::AgentLanguage, "fr-FR"),
    ]);
    let facts = OrderFacts {
        customer_name: "Marie Curie".into(),
        order_number: "A-1042".into(),
        business_name: "Boulangerie Lune".into(),
        ..OrderFacts::default()
    };
    AgentScript::from_settings(&settings, &facts, "fr-FR")
}

fn openai_endpoint(url: &str, key: &str) -> OpenAiEndpoint {
    OpenAiEndpoint {
        url: url.to_owned(),
        api_key: SecretString::from(key.to_owned()),
        model: "gpt-realtime-2.1".into(),
        voice: "cedar".into(),
        audio_format: "audio/pcmu".into(),
        wait: WAIT,
    }
}

fn gemini_endpoint(url: &str, key: &str) -> GeminiEndpoint {
    GeminiEndpoint {
        url: url.to_owned(),
        api_key: SecretString::from(key.to_owned()),
        model: "gemini-3.8-live".into(),
        voice: "Charon".into(),
        wait: WAIT,
    }
}

async fn next_event(session: &mut ProviderSession) -> Option<ProviderEvent> {
    tokio::time::timeout(WAIT, session.recv())
        .await
        .expect("no event from the session")
}

/// Every byte value, so a round trip proves nothing is re-encoded.
fn all_bytes() -> Vec<u8> {
    (0..=255).collect()
}

fn base64_of(value: &Value) -> Vec<u8> {
    BASE64
        .decode(value.as_str().expect("base64 text"))
        .expect("valid base64")
}

fn tool_names(tools: &Value) -> Vec<&str> {
    tools
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("tool name"))
        .collect()
}

const TOOLS: [&str; 5] = [
    "get_order_details",
    "add_delivery_note",
    "confirm_delivery_window",
    "request_new_delivery_window",
    "end_call",
];

/// An OpenAI session opened with the right key, and the fake's side of it.
async fn openai_call() -> (ProviderSession, fake::Peer, fake::FakeProvider) {
    let mut fake = fake::openai().await;
    let endpoint = openai_endpoint(&fake.url, crate::fakes::OPENAI_KEY);
    let session = openai::connect(endpoint, script())
        .await
        .expect("connected");
    let peer = fake.peer().await;
    (session, peer, fake)
}

/// A Gemini session opened with the right key, and the fake's side of it.
async fn gemini_call() -> (ProviderSession, fake::Peer, fake::FakeProvider) {
    let mut fake = fake::gemini().await;
    let endpoint = gemini_endpoint(&fake.url, crate::fakes::GEMINI_KEY);
    let session = gemini::connect(endpoint, script())
        .await
        .expect("connected");
    let peer = fake.peer().await;
    (session, peer, fake)
}

/// The words of a `KeyRefused` handshake failure.
fn refused_key(result: Result<ProviderSession, ProviderFailure>) -> String {
    match result {
        Err(ProviderFailure::Handshake(HandshakeError::KeyRefused(words))) => words,
        other => panic!("expected a refused key, got {other:?}"),
    }
}

/// The reason of the `Failed(Closed)` event that must come next, then nothing.
async fn closed_reason(session: &mut ProviderSession) -> String {
    let reason = match next_event(session).await {
        Some(ProviderEvent::Failed(ProviderFailure::Closed(reason))) => reason,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_eq!(next_event(session).await, None, "Failed is the last event");
    reason
}

#[tokio::test]
async fn an_unreachable_provider_is_a_typed_connect_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);

    let url = format!("ws://127.0.0.1:{port}/v1/realtime");
    let result = openai::connect(openai_endpoint(&url, crate::fakes::OPENAI_KEY), script()).await;

    match result {
        Err(ProviderFailure::Handshake(HandshakeError::Connect(failure))) => {
            assert_eq!(failure.problem, NetworkProblem::Refused)
        }
        other => panic!("expected a refused connection, got {other:?}"),
    }
}

#[tokio::test]
async fn dropping_a_session_ends_its_task_and_its_connection() {
    let (session, mut peer, _fake) = gemini_call().await;

    drop(session);

    assert_eq!(
        peer.next().await,
        None,
        "the provider sees the connection end"
    );
}

#[tokio::test]
async fn each_call_connects_to_the_chosen_provider_with_its_settings() {
    let mut openai_fake = fake::openai().await;
    let mut gemini_fake = fake::gemini().await;
    let urls = ExternalUrls {
        twilio_api_base: String::new(),
        openai_realtime: openai_fake.url.clone(),
        gemini_live: gemini_fake.url.clone(),
    };
    let settings = settings(&[
        (SettingKey::OpenAiApiKey, crate::fakes::OPENAI_KEY),
        (SettingKey::OpenAiModel, "gpt-realtime-2.1-mini"),
        (SettingKey::OpenAiVoice, "marin"),
        (SettingKey::OpenAiAudioFormat, "audio/pcm"),
        (SettingKey::GeminiApiKey, crate::fakes::GEMINI_KEY),
        (SettingKey::GeminiModel, "gemini-3.1-flash-live-preview"),
        (SettingKey::GeminiVoice, "Kore"),
    ]);

    let openai = server::providers::connect(Provider::Openai, &settings, &urls, script(), WAIT)
        .await
        .expect("OpenAI");
    let gemini = server::providers::connect(Provider::Gemini, &settings, &urls, script(), WAIT)
        .await
        .expect("Gemini");

    let openai_peer = openai_fake.peer().await;
    assert_eq!(openai_peer.model, "gpt-realtime-2.1-mini");
    let pcm = json!({"type": "audio/pcm", "rate": 24000});
    assert_eq!(openai_peer.config["audio"]["input"]["format"], pcm);
    assert_eq!(openai_peer.config["audio"]["output"]["format"], pcm);
    assert_eq!(openai_peer.config["audio"]["output"]["voice"], "marin");
    assert_eq!(
        openai.input_format(),
        AudioFormat::Pcm16 { rate_hz: 24_000 }
    );
    let gemini_setup = gemini_fake.peer().await.config;
    assert_eq!(
        gemini_setup["model"],
        "models/gemini-3.1-flash-live-preview"
    );
    let voice = &gemini_setup["generationConfig"]["speechConfig"]["voiceConfig"];
    assert_eq!(voice["prebuiltVoiceConfig"]["voiceName"], "Kore");
    assert_eq!(
        gemini.input_format(),
        AudioFormat::Pcm16 { rate_hz: 16_000 }
    );
}

#[tokio::test]
async fn closing_a_session_with_unread_events_ends_it_and_its_connection() {
    let (session, mut peer, _fake) = openai_call().await;
    let delta =
        json!({"type": "response.output_audio.delta", "item_id": "item_1", "delta": "/w=="});
    for _ in 0..400 {
        peer.send(delta.clone());
    }
    peer.send(json!({"type": "response.done", "response": {"id": "r1"}}));

    tokio::time::timeout(WAIT, session.close())
        .await
        .expect("close() returned");

    assert_eq!(peer.next().await, None, "the connection is closed");
}
