//! The dialogue driven as the bridge and the IO layer would: tool calls answered, lines
//! "spoken", caller turns from the VAD.

use super::*;

fn script(language: &str) -> AgentScript {
    AgentScript {
        instructions: String::new(),
        greeting: "Hello Marie, this is Boulangerie Lune.".into(),
        language: language.into(),
    }
}

fn details() -> Value {
    json!({"order_number": "A-1042", "items": "2 baguettes",
           "delivery_window": "between 14:00 and 16:00 on 3 March", "driver_name": "Paul"})
}

/// The tool calls among `actions`: (call id, name, arguments).
fn tool_calls(actions: &[Action]) -> Vec<(String, String, Value)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event(ProviderEvent::ToolCall {
                call_id,
                name,
                arguments,
            }) => Some((call_id.clone(), name.clone(), arguments.clone())),
            _ => None,
        })
        .collect()
}

fn spoken_lines(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Speak { item, text } => Some((item.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

fn count(actions: &[Action], wanted: &ProviderEvent) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Event(e) if e == wanted))
        .count()
}

/// Plays the bridge and the IO until the dialogue waits for the caller: answers every tool
/// call (get_order_details with `details()`, the others with `ok`) and reports every line
/// spoken to the end. Returns every action taken.
fn settle(dialogue: &mut Dialogue, first: Vec<Action>) -> Vec<Action> {
    let mut all = Vec::new();
    let mut pending = first;
    while !pending.is_empty() {
        let mut next = Vec::new();
        for (call_id, name, _) in tool_calls(&pending) {
            let output = if name == "get_order_details" {
                details()
            } else {
                json!({"ok": true})
            };
            next.extend(dialogue.handle(Input::ToolResult { call_id, output }));
        }
        for (item, _) in spoken_lines(&pending) {
            next.extend(dialogue.handle(Input::Spoken { item }));
        }
        all.append(&mut pending);
        pending = next;
    }
    all
}

/// One caller turn of `ms`, then everything the agent does about it.
fn turn(dialogue: &mut Dialogue, ms: u32) -> Vec<Action> {
    let mut actions = dialogue.handle(Input::CallerStarted);
    actions.extend(dialogue.handle(Input::CallerStopped { speech_ms: ms }));
    settle(dialogue, actions)
}

#[test]
fn the_greeting_is_spoken_with_its_transcript_then_the_response_is_done() {
    let mut dialogue = Dialogue::new(&script("en-US"));

    let greet = dialogue.handle(Input::Greet);
    let all = settle(&mut dialogue, greet);

    assert_eq!(
        all,
        [
            Action::Event(ProviderEvent::TranscriptDone {
                speaker: Speaker::Agent,
                text: "Hello Marie, this is Boulangerie Lune.".into()
            }),
            Action::Speak {
                item: "demo_item_1".into(),
                text: "Hello Marie, this is Boulangerie Lune.".into()
            },
            Action::Event(ProviderEvent::ResponseDone),
        ]
    );
}

#[test]
fn three_turns_are_answered_from_the_tool_then_goodbye_and_end_call() {
    let mut dialogue = Dialogue::new(&script("en-US"));
    let greet = dialogue.handle(Input::Greet);
    settle(&mut dialogue, greet);

    let first = turn(&mut dialogue, 2_140);
    let second = turn(&mut dialogue, 900);
    let third = turn(&mut dialogue, 1_500);

    let caller_line = ProviderEvent::TranscriptDone {
        speaker: Speaker::Caller,
        text: "caller: 2.1 s of speech".into(),
    };
    assert_eq!(count(&first, &caller_line), 1);
    assert_eq!(count(&first, &ProviderEvent::SpeechStarted), 1);
    let names = |actions: &[Action]| -> Vec<String> {
        tool_calls(actions).into_iter().map(|(_, n, _)| n).collect()
    };
    assert_eq!(names(&first), ["get_order_details", "add_delivery_note"]);
    assert_eq!(names(&second), ["get_order_details", "add_delivery_note"]);
    assert_eq!(
        names(&third),
        ["get_order_details", "add_delivery_note", "end_call"]
    );
    assert_eq!(
        tool_calls(&first)[1].2,
        json!({"note": "Demo agent: told the customer the delivery window"})
    );
    let texts = |actions: &[Action]| -> Vec<String> {
        spoken_lines(actions).into_iter().map(|(_, t)| t).collect()
    };
    assert_eq!(
        texts(&first),
        ["Your order A-1042 is planned for delivery between 14:00 and 16:00 on 3 March."]
    );
    assert_eq!(texts(&second), ["In your order you have 2 baguettes."]);
    assert_eq!(
        texts(&third),
        [
            "Your driver will be Paul.",
            "Thank you, that is all from me. Have a good day, goodbye!"
        ]
    );
    for answer in [&first, &second] {
        assert_eq!(count(answer, &ProviderEvent::ResponseDone), 1);
    }
    assert_eq!(count(&third, &ProviderEvent::ResponseDone), 2);
    assert!(
        matches!(
            third.last(),
            Some(Action::Event(ProviderEvent::ResponseDone))
        ),
        "the goodbye's response ends after end_call"
    );
    assert!(dialogue.is_over());
    assert_eq!(turn(&mut dialogue, 1_000), [], "nothing after end_call");
}

#[test]
fn a_barge_in_silences_the_line_and_its_topic_is_answered_again() {
    let mut dialogue = Dialogue::new(&script("en-US"));
    let greet = dialogue.handle(Input::Greet);
    settle(&mut dialogue, greet);
    let mut started = dialogue.handle(Input::CallerStarted);
    started.extend(dialogue.handle(Input::CallerStopped { speech_ms: 800 }));
    let (fetch_id, _, _) = tool_calls(&started).remove(0);
    let speaking = dialogue.handle(Input::ToolResult {
        call_id: fetch_id,
        output: details(),
    });
    let (item, first_text) = spoken_lines(&speaking).remove(0);

    let barge_in = dialogue.handle(Input::CallerStarted);
    let late = dialogue.handle(Input::Spoken { item });
    let again = dialogue.handle(Input::CallerStopped { speech_ms: 600 });
    let again = settle(&mut dialogue, again);

    assert_eq!(barge_in[0], Action::Event(ProviderEvent::SpeechStarted));
    assert!(barge_in.contains(&Action::Silence));
    assert_eq!(count(&barge_in, &ProviderEvent::ResponseDone), 1);
    assert_eq!(late, [], "the interrupted line's end changes nothing");
    let texts: Vec<String> = spoken_lines(&again).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, [first_text], "the window is told again");
    let next = turn(&mut dialogue, 700);
    assert!(
        spoken_lines(&next)[0].1.contains("baguettes"),
        "then the items"
    );
}

#[test]
fn results_of_a_cancelled_fetch_are_ignored_and_the_greeting_can_be_cut() {
    let mut dialogue = Dialogue::new(&script("fr-FR"));
    let greet = dialogue.handle(Input::Greet);
    let cut = dialogue.handle(Input::CallerStarted);
    assert!(cut.contains(&Action::Silence), "the greeting is cut");
    let stopped = dialogue.handle(Input::CallerStopped { speech_ms: 500 });
    let (stale_id, _, _) = tool_calls(&stopped).remove(0);
    dialogue.handle(Input::CallerStarted);
    let fresh = dialogue.handle(Input::CallerStopped { speech_ms: 500 });
    let (fresh_id, _, _) = tool_calls(&fresh).remove(0);

    let stale = dialogue.handle(Input::ToolResult {
        call_id: stale_id,
        output: details(),
    });
    let answered = dialogue.handle(Input::ToolResult {
        call_id: fresh_id,
        output: details(),
    });

    assert_eq!(spoken_lines(&greet).len(), 1);
    assert_eq!(stale, []);
    let texts: Vec<String> = spoken_lines(&answered)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        texts,
        ["Votre commande A-1042 sera livrée between 14:00 and 16:00 on 3 March."]
    );
    assert!(
        stopped.contains(&Action::Event(ProviderEvent::TranscriptDone {
            speaker: Speaker::Caller,
            text: "appelant : 0,5 s de parole".into()
        }))
    );
}

#[test]
fn every_item_and_call_id_is_new() {
    let mut dialogue = Dialogue::new(&script("en"));
    let greet = dialogue.handle(Input::Greet);
    let mut all = settle(&mut dialogue, greet);
    for _ in 0..3 {
        all.extend(turn(&mut dialogue, 1_000));
    }
    let mut ids: Vec<String> = spoken_lines(&all).into_iter().map(|(i, _)| i).collect();
    ids.extend(tool_calls(&all).into_iter().map(|(c, _, _)| c));
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}
