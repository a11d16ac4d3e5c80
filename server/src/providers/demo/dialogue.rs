//! The demo agent's conversation as a plain state machine, with no IO and no tokio: what it
//! hears ([`Input`]: the greeting request, the caller's turns from the VAD, tool results, the end
//! of its own audio) becomes what it does ([`Action`]: events for the bridge, lines to speak,
//! silence on barge-in).
//!
//! One response at a time. The greeting is spoken as soon as the bridge asks. Each caller turn
//! that ends is answered about the next [`Topic`]: `get_order_details` is called through the
//! bridge, the answer is built from its result and spoken, then `add_delivery_note` records
//! what was said and `ResponseDone` closes the response. After the third answer comes the
//! goodbye, then `end_call` (the bridge hangs up once the goodbye has played). When the caller
//! starts speaking during a response, `SpeechStarted` goes to the bridge, the response is
//! cancelled (its audio stops, its pending tool results are ignored when they arrive) and its
//! topic is answered again at the end of the caller's turn; a topic only moves on once its
//! answer was spoken to the end.

use super::lines::{self, Lang, Topic};
use crate::providers::script::{AgentScript, Tool};
use crate::providers::session::{ProviderEvent, Speaker};
use serde_json::{json, Value};

/// What the dialogue is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The bridge asks for the greeting.
    Greet,
    /// The VAD heard the caller start speaking.
    CallerStarted,
    /// The VAD heard the caller stop, after `speech_ms` of speech.
    CallerStopped { speech_ms: u32 },
    /// The bridge answered tool call `call_id`.
    ToolResult { call_id: String, output: Value },
    /// The last audio of `item` has been emitted.
    Spoken { item: String },
}

/// What the dialogue asks of its IO.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this event to the bridge.
    Event(ProviderEvent),
    /// Synthesize `text` and emit it as the audio of `item` (replacing any other line).
    Speak { item: String, text: String },
    /// Stop the current line: nothing more of it may be emitted.
    Silence,
}

/// Where the current response stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// No response: waiting for the caller.
    Listening,
    /// `get_order_details` was called for an answer.
    Fetching { call_id: String },
    /// A line is being spoken.
    Speaking { item: String, line: Line },
    /// `add_delivery_note` was called after an answer.
    Noting { call_id: String },
    /// `end_call` was called: nothing more happens.
    Over,
}

/// Which kind of line is being spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Greeting,
    Answer,
    Goodbye,
}

/// The demo agent's conversation for one call.
#[derive(Debug, Clone)]
pub struct Dialogue {
    lang: Lang,
    greeting: String,
    /// What the next answer is about.
    topic: Topic,
    step: Step,
    /// Numbers the items and tool calls of this session.
    counter: u64,
}

impl Dialogue {
    /// The conversation of `script` (its greeting and language).
    pub fn new(script: &AgentScript) -> Self {
        Dialogue {
            lang: Lang::from_tag(&script.language),
            greeting: script.greeting.clone(),
            topic: Topic::Window,
            step: Step::Listening,
            counter: 0,
        }
    }

    /// The language the agent speaks.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether `end_call` has been called.
    pub fn is_over(&self) -> bool {
        self.step == Step::Over
    }

    /// What to do about `input`, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.is_over() {
            return actions;
        }
        match input {
            Input::Greet => {
                self.cancel(&mut actions);
                let text = self.greeting.clone();
                self.speak(Line::Greeting, text, &mut actions);
            }
            Input::CallerStarted => {
                actions.push(Action::Event(ProviderEvent::SpeechStarted));
                let text = lines::caller_speaking(self.lang).to_owned();
                actions.push(caller(text, false));
                self.cancel(&mut actions);
            }
            Input::CallerStopped { speech_ms } => {
                actions.push(caller(lines::caller_turn(self.lang, speech_ms), true));
                if self.step == Step::Listening {
                    self.respond(&mut actions);
                }
            }
            Input::ToolResult { call_id, output } => {
                self.tool_result(&call_id, &output, &mut actions)
            }
            Input::Spoken { item } => self.spoken(&item, &mut actions),
        }
        actions
    }

    /// Starts the response about the current topic.
    fn respond(&mut self, actions: &mut Vec<Action>) {
        if self.topic == Topic::Goodbye {
            let text = lines::goodbye(self.lang).to_owned();
            return self.speak(Line::Goodbye, text, actions);
        }
        let call_id = self.call(Tool::GetOrderDetails, json!({}), actions);
        self.step = Step::Fetching { call_id };
    }

    fn tool_result(&mut self, call_id: &str, output: &Value, actions: &mut Vec<Action>) {
        match &self.step {
            Step::Fetching { call_id: expected } if expected == call_id => {
                let text = lines::answer(self.lang, self.topic, output);
                self.speak(Line::Answer, text, actions);
            }
            Step::Noting { call_id: expected } if expected == call_id => {
                actions.push(Action::Event(ProviderEvent::ResponseDone));
                self.step = Step::Listening;
                if self.topic == Topic::Goodbye {
                    self.respond(actions);
                }
            }
            // A result for a cancelled response: nothing to do.
            _ => {}
        }
    }

    fn spoken(&mut self, item: &str, actions: &mut Vec<Action>) {
        let Step::Speaking {
            item: current,
            line,
        } = &self.step
        else {
            return;
        };
        if current != item {
            return;
        }
        match *line {
            Line::Greeting => {
                actions.push(Action::Event(ProviderEvent::ResponseDone));
                self.step = Step::Listening;
            }
            Line::Answer => {
                let note = lines::note(self.lang, self.topic);
                self.topic = self.topic.next();
                let call_id = self.call(Tool::AddDeliveryNote, json!({"note": note}), actions);
                self.step = Step::Noting { call_id };
            }
            Line::Goodbye => {
                let reason = lines::end_reason(self.lang);
                self.call(Tool::EndCall, json!({"reason": reason}), actions);
                actions.push(Action::Event(ProviderEvent::ResponseDone));
                self.step = Step::Over;
            }
        }
    }

    /// Cancels the response in progress, if any (barge-in).
    fn cancel(&mut self, actions: &mut Vec<Action>) {
        match std::mem::replace(&mut self.step, Step::Listening) {
            Step::Listening => {}
            Step::Speaking { .. } => {
                actions.push(Action::Silence);
                actions.push(Action::Event(ProviderEvent::ResponseDone));
            }
            Step::Fetching { .. } | Step::Noting { .. } => {
                actions.push(Action::Event(ProviderEvent::ResponseDone));
            }
            Step::Over => self.step = Step::Over,
        }
    }

    fn speak(&mut self, line: Line, text: String, actions: &mut Vec<Action>) {
        self.counter += 1;
        let item = format!("demo_item_{}", self.counter);
        actions.push(Action::Event(ProviderEvent::TranscriptDone {
            speaker: Speaker::Agent,
            text: text.clone(),
        }));
        actions.push(Action::Speak {
            item: item.clone(),
            text,
        });
        self.step = Step::Speaking { item, line };
    }

    /// Emits a call of `tool` and returns its id.
    fn call(&mut self, tool: Tool, arguments: Value, actions: &mut Vec<Action>) -> String {
        self.counter += 1;
        let call_id = format!("demo_call_{}", self.counter);
        actions.push(Action::Event(ProviderEvent::ToolCall {
            call_id: call_id.clone(),
            name: tool.name().to_owned(),
            arguments,
        }));
        call_id
    }
}

fn caller(text: String, done: bool) -> Action {
    let speaker = Speaker::Caller;
    Action::Event(if done {
        ProviderEvent::TranscriptDone { speaker, text }
    } else {
        ProviderEvent::TranscriptDelta { speaker, text }
    })
}

#[cfg(test)]
#[path = "dialogue_tests.rs"]
mod tests;
