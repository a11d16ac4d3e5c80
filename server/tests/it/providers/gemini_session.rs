//! Gemini Live sessions against the fake: the `setup`, audio, interruptions, tools, resumption
//! after `goAway`, and the failures.

use super::*;

#[tokio::test]
async fn gemini_setup_has_the_model_audio_voice_instructions_transcriptions_tools_and_resumption() {
    let (session, mut peer, _fake) = gemini_call().await;
    session.greet().await.expect("greet");

    let setup = &peer.config;
    assert_eq!(setup["model"], "models/gemini-3.8-live");
    assert_eq!(
        setup["generationConfig"]["responseModalities"],
        json!(["AUDIO"])
    );
    let speech = &setup["generationConfig"]["speechConfig"];
    assert_eq!(
        speech["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"],
        "Charon"
    );
    assert_eq!(speech["languageCode"], "fr-FR");
    assert_eq!(
        setup["systemInstruction"]["parts"][0]["text"],
        "Call Marie Curie about order A-1042.\n\nSpeak French with the caller."
    );
    assert_eq!(setup["inputAudioTranscription"], json!({}));
    assert_eq!(setup["outputAudioTranscription"], json!({}));
    assert_eq!(setup["sessionResumption"], json!({}));
    assert_eq!(
        tool_names(&setup["tools"][0]["functionDeclarations"]),
        TOOLS
    );
    assert_eq!(
        session.input_format(),
        AudioFormat::Pcm16 { rate_hz: 16_000 }
    );
    assert_eq!(
        session.output_format(),
        AudioFormat::Pcm16 { rate_hz: 24_000 }
    );
    let greeting = peer.next().await.expect("greeting");
    assert_eq!(greeting["clientContent"]["turnComplete"], true);
    let text = greeting["clientContent"]["turns"][0]["parts"][0]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.ends_with("Bonjour Marie Curie, ici Boulangerie Lune."),
        "{text}"
    );
}

#[tokio::test]
async fn gemini_audio_round_trips_byte_for_byte_and_interruptions_and_tools_are_typed() {
    let (mut session, mut peer, _fake) = gemini_call().await;

    session.send_audio(all_bytes()).await.expect("audio");
    let input = peer.next().await.expect("audio");
    peer.send_binary(json!({"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": BASE64.encode(all_bytes())}}]}}}));
    peer.send_binary(json!({"serverContent": {"interrupted": true}}));
    peer.send_binary(json!({"toolCall": {"functionCalls": [{"id": "fc_1", "name": "confirm_delivery_window", "args": {}}]}}));

    assert_eq!(
        input["realtimeInput"]["audio"]["mimeType"],
        "audio/pcm;rate=16000"
    );
    assert_eq!(
        base64_of(&input["realtimeInput"]["audio"]["data"]),
        all_bytes()
    );
    // The audio stays in its message, for the bridge's transcoder.
    let Some(ProviderEvent::Audio { item_id, message }) = next_event(&mut session).await else {
        panic!("audio")
    };
    assert_eq!(item_id, None);
    let message: serde_json::Value = serde_json::from_str(&message).unwrap();
    assert_eq!(
        base64_of(&message["serverContent"]["modelTurn"]["parts"][0]["inlineData"]["data"]),
        all_bytes()
    );
    assert_eq!(
        next_event(&mut session).await,
        Some(ProviderEvent::Interrupted)
    );
    let call = ProviderEvent::ToolCall {
        call_id: "fc_1".into(),
        name: "confirm_delivery_window".into(),
        arguments: json!({}),
    };
    assert_eq!(next_event(&mut session).await, Some(call));
    session
        .send_tool_result(
            "fc_1",
            "confirm_delivery_window",
            json!({"confirmed": true}),
            true,
        )
        .await
        .expect("result");
    let response = peer.next().await.expect("tool response");
    assert_eq!(
        response,
        json!({"toolResponse": {"functionResponses": [{"id": "fc_1", "name": "confirm_delivery_window", "response": {"confirmed": true}}]}})
    );
}

#[tokio::test]
async fn gemini_go_away_resumes_on_a_new_connection_with_the_latest_handle() {
    let (mut session, mut first, mut fake) = gemini_call().await;

    first.send_binary(
        json!({"sessionResumptionUpdate": {"newHandle": "handle-1", "resumable": true}}),
    );
    first.send_binary(
        json!({"sessionResumptionUpdate": {"newHandle": "handle-2", "resumable": true}}),
    );
    first.send_binary(json!({"goAway": {"timeLeft": "10s"}}));

    assert_eq!(next_event(&mut session).await, Some(ProviderEvent::Resumed));
    assert_eq!(
        first.next().await,
        None,
        "the old connection is closed first"
    );
    let mut second = fake.peer().await;
    assert_eq!(
        second.config["sessionResumption"],
        json!({"handle": "handle-2"})
    );
    session.send_audio(vec![1, 2, 3, 4]).await.expect("audio");
    let input = second.next().await.expect("audio on the new connection");
    assert_eq!(
        base64_of(&input["realtimeInput"]["audio"]["data"]),
        [1, 2, 3, 4]
    );
    second.send_binary(json!({"serverContent": {"turnComplete": true}}));
    assert_eq!(
        next_event(&mut session).await,
        Some(ProviderEvent::ResponseDone)
    );
}

#[tokio::test]
async fn gemini_refusing_the_key_with_close_1008_is_a_typed_handshake_failure() {
    let fake = fake::gemini().await;

    let result = gemini::connect(gemini_endpoint(&fake.url, "AIza-wrong"), script()).await;

    let reason = refused_key(result);
    assert!(reason.starts_with("1008"), "{reason}");
}

#[tokio::test]
async fn gemini_closing_mid_call_without_go_away_is_a_typed_failure() {
    let (mut session, peer, _fake) = gemini_call().await;

    peer.send_binary(
        json!({"sessionResumptionUpdate": {"newHandle": "handle-1", "resumable": true}}),
    );
    peer.close(1011, "service unavailable");

    let reason = closed_reason(&mut session).await;
    assert!(reason.contains("service unavailable"), "{reason}");
}
