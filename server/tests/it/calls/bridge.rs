//! Whole calls through the real server: a fake Twilio Media Streams client on one side, fake
//! OpenAI Realtime and Gemini Live servers on the other, each speaking the documented events and
//! checking what it receives: the handshake, audio both ways (checked by its content: a tone
//! must arrive as the same tone), barge-in, a tool that adds a note, `end_call`, and a provider
//! that fails mid-call or cannot be reached.

use super::media::{open_stream, parameter, placed_with, start, voice, Placed, Socket};
use super::{call_app_with, save, CallApp};
use crate::fakes::{GEMINI_KEY, OPENAI_KEY};
use crate::providers::fake::{self as provider_fake, FakeProvider, Peer};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use server::audio::g711;
use server::db::entities::{calls, orders};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for anything before it fails (a safety net, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(10);

/// A sine of `hz` at `rate`, `ms` long, at 40% of full scale, as PCM16 samples.
fn tone(hz: f64, rate: u32, ms: u32) -> Vec<i16> {
    let n = (rate * ms / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (0.4 * 32767.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn pcm_samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The share of the signal's power at `hz` (1.0: a pure tone of that frequency), by correlation
/// with a sine and a cosine over the whole signal.
fn tone_share(samples: &[i16], hz: f64, rate: u32) -> f64 {
    let (mut re, mut im, mut power) = (0.0, 0.0, 0.0);
    for (i, &s) in samples.iter().enumerate() {
        let s = f64::from(s);
        let phase = 2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate);
        re += s * phase.cos();
        im += s * phase.sin();
        power += s * s;
    }
    let n = samples.len() as f64;
    if power == 0.0 {
        return 0.0;
    }
    2.0 * (re * re + im * im) / n / power
}

/// A Twilio `media` message carrying `mulaw`.
fn media(mulaw: &[u8]) -> String {
    format!(
        r#"{{"event":"media","sequenceNumber":"3","media":{{"track":"inbound","chunk":"1","timestamp":"20","payload":"{}"}},"streamSid":"MZ1"}}"#,
        BASE64.encode(mulaw)
    )
}

fn mark(name: &str) -> String {
    format!(
        r#"{{"event":"mark","sequenceNumber":"9","streamSid":"MZ1","mark":{{"name":"{name}"}}}}"#
    )
}

/// The server's next message on the Media Streams socket (`None`: it closed the socket).
async fn twilio_next(socket: &mut Socket) -> Option<Value> {
    loop {
        let next = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("the server sends something");
        match next {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).ok(),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Reads agent audio sent to Twilio until `mulaw_len` bytes arrived: the samples and the marks.
async fn twilio_audio(socket: &mut Socket, mulaw_len: usize) -> (Vec<i16>, Vec<String>) {
    let (mut samples, mut marks) = (Vec::new(), Vec::new());
    while samples.len() < mulaw_len {
        let message = twilio_next(socket).await.expect("agent audio");
        assert_eq!(message["streamSid"], "MZ1");
        match message["event"].as_str() {
            Some("media") => {
                let payload = BASE64
                    .decode(message["media"]["payload"].as_str().unwrap())
                    .unwrap();
                assert_eq!(payload.len(), 160, "20 ms frames");
                samples.extend(payload.into_iter().map(g711::decode));
            }
            Some("mark") => marks.push(message["mark"]["name"].as_str().unwrap().to_owned()),
            other => panic!("unexpected {other:?}"),
        }
    }
    (samples, marks)
}

/// Skips what Twilio receives until a message with `event`.
async fn twilio_until(socket: &mut Socket, event: &str) -> Value {
    loop {
        let message = twilio_next(socket).await.expect("the socket is open");
        if message["event"] == event {
            return message;
        }
    }
}

/// The provider's next message of `kind` (its `type`, or for Gemini its top-level key).
pub(super) async fn peer_until(peer: &mut Peer, kind: &str) -> Value {
    loop {
        let message = peer.next().await.expect("the bridge is connected");
        if message["type"] == kind || message.get(kind).is_some() {
            return message;
        }
    }
}

/// A server for calls whose agents are `openai` and `gemini`, configured with their keys.
pub(super) async fn app(openai: &FakeProvider, gemini: &FakeProvider) -> CallApp {
    let (openai_url, gemini_url) = (openai.url.clone(), gemini.url.clone());
    let c = call_app_with(|config| {
        config.external_urls.openai_realtime = openai_url;
        config.external_urls.gemini_live = gemini_url;
    })
    .await;
    save(&c.app, "openai_api_key", OPENAI_KEY).await;
    save(&c.app, "gemini_api_key", GEMINI_KEY).await;
    c
}

/// Answers `call` as Twilio does: the voice webhook, then the stream's `connected` and `start`.
pub(super) async fn answer(c: &CallApp, call: &Placed) -> Socket {
    let twiml = voice(c, call).await;
    let (call_id, token) = (parameter(&twiml, "callId"), parameter(&twiml, "token"));
    let mut socket = open_stream(c, call.order_id).await;
    let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
    for text in [connected.to_owned(), start(&call.sid, &call_id, &token)] {
        socket.send(Message::Text(text.into())).await.unwrap();
    }
    socket
}

/// Sends `samples` (8 kHz) as 20 ms Twilio frames.
async fn speak(socket: &mut Socket, samples: &[i16]) {
    for frame in samples.chunks(160) {
        let mulaw: Vec<u8> = frame.iter().map(|&s| g711::encode(s)).collect();
        socket
            .send(Message::Text(media(&mulaw).into()))
            .await
            .unwrap();
    }
}

async fn call_row(c: &CallApp, call: &Placed) -> calls::Model {
    calls::Entity::find_by_id(call.call_id as i32)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Waits until the fake Twilio received a POST to the call's resource; returns its form.
pub(super) async fn call_update(c: &CallApp, call: &Placed) -> Vec<(String, String)> {
    let suffix = format!("/Calls/{}.json", call.sid);
    for _ in 0..500 {
        let form = c.fake.last_form(&suffix);
        if !form.is_empty() {
            return form;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no request to {suffix}");
}

/// A whole OpenAI call with the session in `format` (`audio/pcm` or `audio/pcmu`).
async fn openai_call(format: &str) {
    let mut openai = provider_fake::openai().await;
    let gemini = provider_fake::gemini().await;
    let c = app(&openai, &gemini).await;
    save(&c.app, "openai_audio_format", format).await;
    let call = placed_with(&c, "B-1", "openai").await;
    let mut twilio = answer(&c, &call).await;

    // The handshake: the order's script and the formats, then the agent speaks first.
    let mut peer = openai.peer().await;
    assert!(peer.config["instructions"]
        .as_str()
        .unwrap()
        .contains("Marie Curie"));
    assert_eq!(peer.config["audio"]["input"]["format"]["type"], format);
    assert_eq!(peer.config["audio"]["output"]["format"]["type"], format);
    assert_eq!(
        peer.config["audio"]["input"]["turn_detection"]["type"],
        "server_vad"
    );
    assert_eq!(peer.config["tools"].as_array().unwrap().len(), 5);
    let instructions = peer.config["instructions"].as_str().unwrap_or_default();
    assert!(
        instructions.ends_with("Speak French with the caller."),
        "the business's language: {instructions}"
    );
    let greeting = peer_until(&mut peer, "response.create").await;
    let said = greeting["response"]["instructions"]
        .as_str()
        .unwrap_or_default();
    assert!(said.contains("Bonjour Marie Curie"), "{said}");

    // The caller speaks: a 1 kHz tone reaches the agent as that tone.
    speak(&mut twilio, &tone(1000.0, 8000, 400)).await;
    let mut heard = Vec::new();
    let rate = if format == "audio/pcm" { 24_000 } else { 8_000 };
    while heard.len() < (rate * 400 / 1000) as usize {
        let append = peer_until(&mut peer, "input_audio_buffer.append").await;
        let bytes = BASE64.decode(append["audio"].as_str().unwrap()).unwrap();
        match format {
            "audio/pcm" => heard.extend(pcm_samples(&bytes)),
            _ => heard.extend(bytes.into_iter().map(g711::decode)),
        }
    }
    let share = tone_share(&heard, 1000.0, rate);
    assert!(
        share > 0.95,
        "the agent hears the caller's tone ({share:.3})"
    );

    // The agent answers with a 440 Hz tone in two 200 ms deltas: the caller hears it.
    let agent_tone = tone(440.0, rate, 400);
    for (i, chunk) in agent_tone.chunks(agent_tone.len() / 2).enumerate() {
        let audio = match format {
            "audio/pcm" => pcm_bytes(chunk),
            _ => chunk.iter().map(|&s| g711::encode(s)).collect(),
        };
        let delta = json!({"type": "response.output_audio.delta", "response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0, "delta": BASE64.encode(audio), "event_id": format!("e{i}")});
        peer.send(delta);
    }
    let (played, marks) = twilio_audio(&mut twilio, 8000 * 360 / 1000).await;
    let share = tone_share(&played, 440.0, 8000);
    assert!(
        share > 0.95,
        "the caller hears the agent's tone ({share:.3})"
    );
    assert!(!marks.is_empty(), "a mark follows the audio");

    // The first 200 ms played, then the caller speaks over the agent.
    twilio
        .send(Message::Text(mark(&marks[0]).into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    peer.send(json!({"type": "input_audio_buffer.speech_started", "audio_start_ms": 1000, "item_id": "item_2"}));
    let clear = twilio_until(&mut twilio, "clear").await;
    assert_eq!(clear["streamSid"], "MZ1");
    let truncate = peer_until(&mut peer, "conversation.item.truncate").await;
    assert_eq!(truncate["item_id"], "item_1");
    let heard_ms = truncate["audio_end_ms"].as_u64().unwrap();
    assert!(
        (160..=200).contains(&heard_ms),
        "truncated at what the caller heard: {heard_ms} ms"
    );

    // A tool call adds a note to the order; its result goes back to the model.
    peer.send(json!({"type": "response.function_call_arguments.done", "response_id": "resp_2", "item_id": "item_3", "output_index": 0, "call_id": "call_1", "name": "add_delivery_note", "arguments": "{\"note\":\"Door code 1234\"}"}));
    let output = peer_until(&mut peer, "conversation.item.create").await;
    assert_eq!(output["item"]["type"], "function_call_output");
    assert_eq!(output["item"]["call_id"], "call_1");
    let result: Value = serde_json::from_str(output["item"]["output"].as_str().unwrap()).unwrap();
    assert!(
        result.get("error").is_none(),
        "the note was added: {result}"
    );
    peer_until(&mut peer, "response.create").await;
    let order = orders::Entity::find_by_id(call.order_id as i32)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(order.notes.contains("Door code 1234"), "{}", order.notes);

    // The agent says goodbye and ends the call: the hang-up waits for the goodbye's mark.
    let goodbye = pcm_or_mulaw(format, &tone(440.0, rate, 100));
    peer.send(json!({"type": "response.output_audio.delta", "response_id": "resp_3", "item_id": "item_4", "output_index": 0, "content_index": 0, "delta": BASE64.encode(goodbye)}));
    peer.send(json!({"type": "response.function_call_arguments.done", "response_id": "resp_3", "item_id": "item_5", "output_index": 1, "call_id": "call_2", "name": "end_call", "arguments": "{\"reason\":\"done\"}"}));
    peer.send(json!({"type": "response.done", "response": {"id": "resp_3", "status": "completed", "usage": {"total_tokens": 50, "input_tokens": 30, "output_tokens": 20}}}));
    let goodbye_mark = twilio_until(&mut twilio, "mark").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let suffix = format!("/Calls/{}.json", call.sid);
    assert!(
        c.fake.last_form(&suffix).is_empty(),
        "no hang-up before the goodbye has played"
    );
    let name = goodbye_mark["mark"]["name"].as_str().unwrap();
    twilio.send(Message::Text(mark(name).into())).await.unwrap();
    let form = call_update(&c, &call).await;
    assert!(form.contains(&("Status".to_owned(), "completed".to_owned())));

    // The socket is closed and the provider connection with it: nothing outlives the call.
    assert_eq!(super::media::close_code(&mut twilio).await, Some(1000));
    assert!(
        drain(&mut peer).await,
        "the provider connection is closed when the call ends"
    );

    // The journal: usage of the responses, and the reply latency (the caller spoke, then the
    // agent answered).
    let row = call_row(&c, &call).await;
    assert_eq!((row.input_tokens, row.output_tokens), (30, 20));
    assert!(row.latency_median_ms.is_some(), "the latency is stored");
}

fn pcm_or_mulaw(format: &str, samples: &[i16]) -> Vec<u8> {
    match format {
        "audio/pcm" => pcm_bytes(samples),
        _ => samples.iter().map(|&s| g711::encode(s)).collect(),
    }
}

/// Reads the peer until the client disconnects; false if it never does.
pub(super) async fn drain(peer: &mut Peer) -> bool {
    for _ in 0..1000 {
        if peer.next().await.is_none() {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn an_openai_call_in_pcm16_24k_talks_barges_in_uses_a_tool_and_ends_after_the_goodbye() {
    openai_call("audio/pcm").await;
}

#[tokio::test]
async fn an_openai_call_in_pcmu_passthrough_does_the_same() {
    openai_call("audio/pcmu").await;
}

#[tokio::test]
async fn a_gemini_call_talks_is_interrupted_uses_a_tool_and_a_provider_failure_ends_it_politely() {
    let openai = provider_fake::openai().await;
    let mut gemini = provider_fake::gemini().await;
    let c = app(&openai, &gemini).await;
    let call = placed_with(&c, "B-3", "gemini").await;
    let mut twilio = answer(&c, &call).await;

    let mut peer = gemini.peer().await;
    assert!(peer.config["systemInstruction"]["parts"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Marie Curie"));
    assert_eq!(
        peer.config["generationConfig"]["responseModalities"],
        json!(["AUDIO"])
    );
    peer_until(&mut peer, "clientContent").await; // the greeting turn

    // Caller audio arrives at 16 kHz, still the caller's tone.
    speak(&mut twilio, &tone(1000.0, 8000, 400)).await;
    let mut heard = Vec::new();
    while heard.len() < 16_000 * 400 / 1000 {
        let input = peer_until(&mut peer, "realtimeInput").await;
        assert_eq!(
            input["realtimeInput"]["audio"]["mimeType"],
            "audio/pcm;rate=16000"
        );
        let data = input["realtimeInput"]["audio"]["data"].as_str().unwrap();
        heard.extend(pcm_samples(&BASE64.decode(data).unwrap()));
    }
    let share = tone_share(&heard, 1000.0, 16_000);
    assert!(share > 0.95, "Gemini hears the caller's tone ({share:.3})");

    // Agent audio at 24 kHz reaches the caller as 8 kHz mu-law.
    let said = pcm_bytes(&tone(440.0, 24_000, 400));
    peer.send_binary(json!({"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": BASE64.encode(said)}}]}}}));
    let (played, _) = twilio_audio(&mut twilio, 8000 * 360 / 1000).await;
    let share = tone_share(&played, 440.0, 8000);
    assert!(share > 0.95, "the caller hears Gemini's tone ({share:.3})");

    // Interrupted: Twilio's buffer is cleared.
    peer.send_binary(json!({"serverContent": {"interrupted": true}}));
    twilio_until(&mut twilio, "clear").await;

    // A tool call: its result goes back as a toolResponse, and the request is on the order.
    peer.send_binary(json!({"toolCall": {"functionCalls": [{"id": "fc_1", "name": "request_new_delivery_window", "args": {"preferred_window": "demain 14h-16h"}}]}}));
    let response = peer_until(&mut peer, "toolResponse").await;
    let answered = &response["toolResponse"]["functionResponses"][0];
    assert_eq!(answered["id"], "fc_1");
    assert_eq!(answered["name"], "request_new_delivery_window");
    assert!(answered["response"].get("error").is_none(), "{answered}");
    let order = orders::Entity::find_by_id(call.order_id as i32)
        .one(&c.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.window_request.as_deref(), Some("demain 14h-16h"));

    // Gemini's connection cap: goAway moves the session to a new connection, resumed with the
    // latest handle, and the phone call goes on (the caller still hears the agent).
    peer.send_binary(
        json!({"sessionResumptionUpdate": {"newHandle": "handle-1", "resumable": true}}),
    );
    peer.send_binary(json!({"goAway": {"timeLeft": "1s"}}));
    let peer = gemini.peer().await;
    assert_eq!(peer.config["sessionResumption"]["handle"], "handle-1");
    let said = pcm_bytes(&tone(440.0, 24_000, 200));
    peer.send_binary(json!({"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": BASE64.encode(said)}}]}}}));
    let (played, _) = twilio_audio(&mut twilio, 8000 * 160 / 1000).await;
    assert!(
        tone_share(&played, 440.0, 8000) > 0.9,
        "the call goes on after the move"
    );

    // Gemini fails mid-call: the caller hears an apology and the call ends failed, with why.
    peer.close(1011, "Internal error encountered.");
    let form = call_update(&c, &call).await;
    let twiml = form
        .iter()
        .find(|(k, _)| k == "Twiml")
        .map(|(_, v)| v.clone())
        .expect("the call is updated with TwiML");
    assert!(
        twiml.contains("<Say") && twiml.contains("<Hangup/>"),
        "{twiml}"
    );
    let row = call_row(&c, &call).await;
    assert_eq!(row.status, "failed");
    let reason = row.failure_reason.unwrap_or_default();
    assert!(reason.contains("Internal error encountered"), "{reason}");
    assert_eq!(super::media::close_code(&mut twilio).await, Some(1000));
}

#[tokio::test]
async fn an_agent_that_cannot_be_reached_ends_the_call_with_an_apology() {
    let openai = provider_fake::openai().await;
    let gemini = provider_fake::gemini().await;
    let c = app(&openai, &gemini).await;
    save(&c.app, "openai_api_key", "sk-wrong-key-0123456789").await;
    let call = placed_with(&c, "B-4", "openai").await;
    // A customer speaking English, of a business speaking French: the apology is in English.
    super::set_customer_language(&c.app, call.order_id, "en").await;
    let mut twilio = answer(&c, &call).await;

    let form = call_update(&c, &call).await;
    let twiml = form
        .iter()
        .find(|(k, _)| k == "Twiml")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(twiml.contains("<Hangup/>"), "{twiml}");
    assert!(
        twiml.contains(r#"language="en-US""#) && twiml.contains("Sorry, we are having"),
        "{twiml}"
    );
    let row = call_row(&c, &call).await;
    assert_eq!(row.status, "failed");
    let reason = row.failure_reason.unwrap_or_default();
    assert!(reason.contains("could not be reached"), "{reason}");
    assert_eq!(super::media::close_code(&mut twilio).await, Some(1000));
}

#[tokio::test]
async fn a_captured_call_replays_to_exactly_what_the_agent_received() {
    let mut openai = provider_fake::openai().await;
    let gemini = provider_fake::gemini().await;
    let data = tempfile::tempdir().unwrap();
    let (openai_url, gemini_url) = (openai.url.clone(), gemini.url.clone());
    let data_dir = data.path().to_path_buf();
    let c = call_app_with(|config| {
        config.external_urls.openai_realtime = openai_url;
        config.external_urls.gemini_live = gemini_url;
        config.data_dir = data_dir;
    })
    .await;
    save(&c.app, "openai_api_key", OPENAI_KEY).await;
    save(&c.app, "agent_capture_calls", "true").await;
    let call = placed_with(&c, "B-5", "openai").await;
    let mut twilio = answer(&c, &call).await;
    let mut peer = openai.peer().await;

    speak(&mut twilio, &tone(700.0, 8000, 200)).await;
    let mut received = Vec::new();
    while received.len() < 10 {
        received.push(peer_until(&mut peer, "input_audio_buffer.append").await);
    }
    let stop = r#"{"event":"stop","sequenceNumber":"20","stop":{},"streamSid":"MZ1"}"#;
    twilio.send(Message::Text(stop.into())).await.unwrap();
    assert_eq!(super::media::close_code(&mut twilio).await, Some(1000));

    let dir = data.path().join(format!("captures/call-{}", call.call_id));
    let captured = std::fs::read(dir.join("twilio.jsonl")).expect("the capture");
    let mut transcoder = server::bridge::Transcoder::new(
        server::bridge::Direction::TwilioToOpenAi,
        server::bridge::OpenAiAudio::Pcmu,
        "MZ1",
    )
    .unwrap();
    let mut replayed = Vec::new();
    server::bridge::replay::run(&mut transcoder, captured.as_slice(), &mut replayed).unwrap();
    let replayed: Vec<Value> = String::from_utf8(replayed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        replayed, received,
        "the replay sends what the agent received"
    );
}

#[tokio::test]
async fn hang_up_from_the_order_page_ends_the_bridge_and_its_provider_session() {
    let mut openai = provider_fake::openai().await;
    let gemini = provider_fake::gemini().await;
    let c = app(&openai, &gemini).await;
    let call = placed_with(&c, "B-6", "openai").await;
    let mut twilio = answer(&c, &call).await;
    let mut peer = openai.peer().await;
    peer_until(&mut peer, "response.create").await;

    let id = call.call_id.to_string();
    let response = c.app.call("calls/hang-up", &[("call_id", &id)]).await;
    assert_eq!(response.status(), 200);

    assert_eq!(super::media::close_code(&mut twilio).await, Some(1000));
    assert!(drain(&mut peer).await, "the provider session is closed");
    let form = call_update(&c, &call).await;
    assert!(
        form.iter().any(|(k, _)| k == "Status"),
        "Twilio is asked to end the call"
    );
}
