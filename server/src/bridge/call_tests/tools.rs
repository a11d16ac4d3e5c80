//! Tools, `end_call` and what reaches the journal.

use super::*;

#[tokio::test]
async fn tools_run_and_their_results_or_errors_go_back_to_the_model() {
    let mut h = start(config());
    let call = |id: &str, name: &str, arguments: Value| ProviderEvent::ToolCall {
        call_id: id.into(),
        name: name.into(),
        arguments,
    };
    h.agent(call(
        "c1",
        "add_delivery_note",
        json!({"note": "code 1234"}),
    ))
    .await;
    let ProviderCommand::ToolResult {
        call_id,
        output,
        respond,
        ..
    } = h.command().await
    else {
        panic!("a tool result")
    };
    assert_eq!(
        (call_id.as_str(), output, respond),
        ("c1", json!({"ok": true}), true)
    );
    h.agent(call("c2", "add_delivery_note", json!({}))).await;
    let ProviderCommand::ToolResult { output, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert_eq!(output, json!({"error": "a note is needed"}));
    h.agent(call("c3", "drop_tables", json!({}))).await;
    let ProviderCommand::ToolResult { output, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert!(output["error"].as_str().unwrap().contains("drop_tables"));
    h.twilio(STOP).await;
    let tools = h.recorder.tools.clone();
    assert_eq!(
        h.end().await.end,
        CallEnd::Stopped,
        "tool errors never end the call"
    );
    assert_eq!(
        tools.lock().unwrap().len(),
        2,
        "the unknown tool ran nothing"
    );
}

#[tokio::test]
async fn end_call_waits_for_the_goodbye_to_play() {
    let mut h = start(config());
    let goodbye = h.play("item_9", 2).await;
    h.agent(ProviderEvent::ToolCall {
        call_id: "c9".into(),
        name: "end_call".into(),
        arguments: json!({"reason": "done"}),
    })
    .await;
    let ProviderCommand::ToolResult { respond, .. } = h.command().await else {
        panic!("a tool result")
    };
    assert!(!respond, "no new response after the goodbye");
    h.agent(ProviderEvent::ResponseDone).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!h.bridge.is_finished(), "the goodbye is still playing");
    h.twilio(&mark(&goodbye)).await;
    assert_eq!(h.end().await.end, CallEnd::AgentHungUp);
}

#[tokio::test(start_paused = true)]
async fn end_call_hangs_up_after_the_wait_if_the_mark_never_comes_back() {
    let mut h = start(config());
    h.play("item_9", 1).await;
    h.agent(ProviderEvent::ToolCall {
        call_id: "c9".into(),
        name: "end_call".into(),
        arguments: json!({}),
    })
    .await;
    h.command().await;
    // Twilio keeps the socket alive, but never echoes the mark.
    let feeder = tokio::spawn({
        let tx = h.twilio_in.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _ = tx.send(mark("unknown"));
            }
        }
    });
    let outcome = tokio::time::timeout(Duration::from_secs(60), &mut h.bridge).await;
    feeder.abort();
    assert_eq!(outcome.unwrap().unwrap().end, CallEnd::AgentHungUp);
}

#[tokio::test]
async fn transcripts_and_usage_reach_the_journal() {
    let h = start(config());
    h.agent(ProviderEvent::TranscriptDelta {
        speaker: Speaker::Caller,
        text: "Bon".into(),
    })
    .await;
    h.agent(ProviderEvent::TranscriptDone {
        speaker: Speaker::Caller,
        text: "Bonjour".into(),
    })
    .await;
    let usage = Usage {
        input_tokens: 3,
        output_tokens: 4,
        total_tokens: 7,
    };
    h.agent(ProviderEvent::Usage(usage)).await;
    let recorder = h.recorder.clone();
    // Twilio's messages are read first when both sides have some: wait for the journal.
    for _ in 0..500 {
        if !recorder.usage.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    h.twilio(STOP).await;
    h.end().await;
    assert_eq!(
        *recorder.lines.lock().unwrap(),
        [
            (Speaker::Caller, "Bon".to_owned(), false),
            (Speaker::Caller, "Bonjour".to_owned(), true)
        ]
    );
    assert_eq!(*recorder.usage.lock().unwrap(), [usage]);
}
