//! OpenAI Realtime sessions against the fake: the `session.update`, audio, barge-in, tools,
//! transcripts, and the failures.

use super::*;

#[tokio::test]
async fn openai_gets_the_orders_script_audio_formats_server_vad_voice_transcription_and_tools() {
    let (session, mut peer, _fake) = openai_call().await;
    session.greet().await.expect("greet");

    let config = &peer.config;
    assert_eq!(peer.model, "gpt-realtime-2.1");
    assert_eq!(config["type"], "realtime");
    assert_eq!(
        config["instructions"],
        "Call Marie Curie about order A-1042.\n\nSpeak French with the caller."
    );
    assert_eq!(
        config["audio"]["input"]["format"],
        json!({"type": "audio/pcmu"})
    );
    assert_eq!(
        config["audio"]["output"]["format"],
        json!({"type": "audio/pcmu"})
    );
    assert_eq!(
        config["audio"]["input"]["turn_detection"]["type"],
        "server_vad"
    );
    assert_eq!(config["audio"]["input"]["transcription"]["language"], "fr");
    assert_eq!(config["audio"]["output"]["voice"], "cedar");
    assert_eq!(tool_names(&config["tools"]), TOOLS);
    assert_eq!(config["tools"][1]["type"], "function");
    assert_eq!(session.input_format(), AudioFormat::Mulaw8k);
    let greeting = peer.next().await.expect("greeting");
    assert_eq!(greeting["type"], "response.create");
    let instructions = greeting["response"]["instructions"].as_str().expect("text");
    assert!(
        instructions.ends_with("Bonjour Marie Curie, ici Boulangerie Lune."),
        "{instructions}"
    );
}

#[tokio::test]
async fn openai_audio_round_trips_byte_for_byte_and_barge_in_and_tools_are_typed() {
    let (mut session, mut peer, _fake) = openai_call().await;

    session.send_audio(all_bytes()).await.expect("audio");
    let append = peer.next().await.expect("append");
    peer.send(json!({"type": "response.output_audio.delta", "item_id": "item_7", "delta": BASE64.encode(all_bytes())}));
    peer.send(json!({"type": "input_audio_buffer.speech_started", "audio_start_ms": 900, "item_id": "item_8"}));
    peer.send(json!({"type": "response.function_call_arguments.done", "call_id": "call_1", "item_id": "item_9", "name": "add_delivery_note", "arguments": "{\"note\":\"code 1234\"}"}));

    assert_eq!(append["type"], "input_audio_buffer.append");
    assert_eq!(base64_of(&append["audio"]), all_bytes());
    // The audio stays in its message, for the bridge's transcoder.
    let Some(ProviderEvent::Audio { item_id, message }) = next_event(&mut session).await else {
        panic!("audio")
    };
    assert_eq!(item_id, Some("item_7".into()));
    let message: serde_json::Value = serde_json::from_str(&message).unwrap();
    assert_eq!(base64_of(&message["delta"]), all_bytes());
    assert_eq!(
        next_event(&mut session).await,
        Some(ProviderEvent::SpeechStarted)
    );
    let call = ProviderEvent::ToolCall {
        call_id: "call_1".into(),
        name: "add_delivery_note".into(),
        arguments: json!({"note": "code 1234"}),
    };
    assert_eq!(next_event(&mut session).await, Some(call));

    session.truncate("item_7", 640).await.expect("truncate");
    let truncate = peer.next().await.expect("truncate");
    assert_eq!(
        truncate,
        json!({"type": "conversation.item.truncate", "item_id": "item_7", "content_index": 0, "audio_end_ms": 640})
    );
    session
        .send_tool_result(
            "call_1",
            "add_delivery_note",
            json!({"error": "order is closed"}),
            true,
        )
        .await
        .expect("result");
    let output = peer.next().await.expect("output");
    assert_eq!(
        output["item"],
        json!({"type": "function_call_output", "call_id": "call_1", "output": "{\"error\":\"order is closed\"}"})
    );
    assert_eq!(peer.next().await, Some(json!({"type": "response.create"})));

    session.close().await;
    assert_eq!(peer.next().await, None, "close() ends the connection");
}

#[tokio::test]
async fn openai_transcripts_of_both_speakers_arrive_typed() {
    let (mut session, peer, _fake) = openai_call().await;

    peer.send(json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "i", "content_index": 0, "transcript": "Oui, c'est moi."}));
    peer.send(json!({"type": "response.output_audio_transcript.done", "item_id": "j", "transcript": "Parfait."}));

    let caller = ProviderEvent::TranscriptDone {
        speaker: Speaker::Caller,
        text: "Oui, c'est moi.".into(),
    };
    let agent = ProviderEvent::TranscriptDone {
        speaker: Speaker::Agent,
        text: "Parfait.".into(),
    };
    assert_eq!(next_event(&mut session).await, Some(caller));
    assert_eq!(next_event(&mut session).await, Some(agent));
}

#[tokio::test]
async fn openai_refusing_the_key_on_the_upgrade_is_a_typed_handshake_failure() {
    let fake = fake::openai().await;

    let result = openai::connect(openai_endpoint(&fake.url, "sk-wrong"), script()).await;

    let text = refused_key(result);
    assert!(text.contains("401"), "{text}");
}

#[tokio::test]
async fn openai_closing_mid_call_ends_the_session_with_a_typed_failure() {
    let (mut session, peer, _fake) = openai_call().await;

    peer.close(1011, "internal server error");

    let reason = closed_reason(&mut session).await;
    assert!(reason.contains("1011"), "{reason}");
    assert_eq!(
        session.send_audio(vec![0xFF]).await,
        Err(ProviderFailure::Ended)
    );
}
