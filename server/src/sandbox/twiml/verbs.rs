//! The TwiML layer of the parser: an element tree into [`Verb`]s, checked against TwiML's
//! schema as far as the emulated verbs go. Unknown attributes are ignored, as Twilio ignores
//! them; unknown elements, misplaced ones and stray text are errors.

use super::tree::{Element, Node};
use super::{
    Connect, InvalidValue, Parameter, Pause, Response, Say, Stream, Track, TwimlError, Verb,
};
use std::time::Duration;

/// Twilio voice verbs and nouns the sandbox does not emulate: valid TwiML, reported as
/// [`TwimlError::Unsupported`] rather than as unknown elements.
const TWILIO_ELEMENTS: &[&str] = &[
    "Dial",
    "Echo",
    "Enqueue",
    "Gather",
    "Leave",
    "Pay",
    "Play",
    "Prompt",
    "Record",
    "Redirect",
    "Refer",
    "Reject",
    "Sms",
    "Message",
    "Start",
    "Stop",
    "Siprec",
    "Transcription",
    "Conference",
    "Client",
    "Number",
    "Queue",
    "Sip",
    "Sim",
    "Application",
    "Room",
    "Conversation",
    "ConversationRelay",
    "VirtualAgent",
    "Autopilot",
    "Assistant",
    "Config",
];

/// SSML elements Twilio accepts inside `<Say>`; their text is spoken, the markup is dropped.
const SSML_ELEMENTS: &[&str] = &[
    "break",
    "emphasis",
    "lang",
    "p",
    "phoneme",
    "prosody",
    "s",
    "say-as",
    "sub",
    "w",
    "amazon:domain",
    "amazon:effect",
];

fn schema(reason: impl Into<String>) -> TwimlError {
    TwimlError::Schema(reason.into())
}

fn invalid(kind: InvalidValue, value: &str) -> TwimlError {
    TwimlError::Invalid {
        kind,
        value: value.to_owned(),
    }
}

/// The error for an element that has no place where it is.
fn misplaced(element: &Element, parent: &str) -> TwimlError {
    if TWILIO_ELEMENTS.contains(&element.name.as_str()) {
        TwimlError::Unsupported {
            verb: element.name.clone(),
        }
    } else {
        schema(format!("<{}> is not allowed in <{parent}>", element.name))
    }
}

fn no_text(element: &Element) -> Result<(), TwimlError> {
    if element.has_text() {
        return Err(schema(format!("<{}> takes no text", element.name)));
    }
    Ok(())
}

/// The root, which must be `<Response>`.
pub(super) fn response(root: &Element) -> Result<Response, TwimlError> {
    if root.name != "Response" {
        return Err(TwimlError::Parse(format!(
            "the root element is <{}>, not <Response>",
            root.name
        )));
    }
    no_text(root)?;
    let verbs = root
        .elements()
        .map(|element| match element.name.as_str() {
            "Connect" => connect(element).map(Verb::Connect),
            "Say" => say(element).map(Verb::Say),
            "Pause" => pause(element).map(Verb::Pause),
            "Hangup" => hangup(element).map(|()| Verb::Hangup),
            _ => Err(misplaced(element, "Response")),
        })
        .collect::<Result<_, _>>()?;
    Ok(Response { verbs })
}

fn connect(element: &Element) -> Result<Connect, TwimlError> {
    no_text(element)?;
    let mut children = element.elements();
    let stream = match (children.next(), children.next()) {
        (Some(child), None) if child.name == "Stream" => stream(child)?,
        (Some(child), None) => return Err(misplaced(child, "Connect")),
        (None, _) => return Err(schema("<Connect> needs a noun (<Stream>)")),
        (Some(_), Some(_)) => return Err(schema("<Connect> takes exactly one noun")),
    };
    Ok(Connect {
        action: element.attribute("action").map(str::to_owned),
        stream,
    })
}

/// The Stream URL: absolute, with a WebSocket scheme.
fn stream_url(value: &str) -> Result<url::Url, TwimlError> {
    let url = url::Url::parse(value.trim()).map_err(|_| invalid(InvalidValue::StreamUrl, value))?;
    match url.scheme() {
        "wss" | "ws" if url.host_str().is_some_and(|host| !host.is_empty()) => Ok(url),
        "wss" | "ws" => Err(invalid(InvalidValue::StreamUrl, value)),
        _ => Err(invalid(InvalidValue::StreamUrlScheme, value)),
    }
}

fn stream(element: &Element) -> Result<Stream, TwimlError> {
    no_text(element)?;
    let url = element
        .attribute("url")
        .ok_or_else(|| schema("<Stream> needs a url"))?;
    let url = stream_url(url)?;
    let track = match element.attribute("track") {
        None => Track::InboundTrack,
        Some(value) => match Track::parse(value) {
            Some(Track::InboundTrack) => Track::InboundTrack,
            _ => return Err(invalid(InvalidValue::StreamTrack, value)),
        },
    };
    let parameters = element
        .elements()
        .map(|child| match child.name.as_str() {
            "Parameter" => parameter(child),
            _ => Err(misplaced(child, "Stream")),
        })
        .collect::<Result<_, _>>()?;
    Ok(Stream {
        url,
        name: element.attribute("name").map(str::to_owned),
        track,
        status_callback: element.attribute("statusCallback").map(str::to_owned),
        parameters,
    })
}

fn parameter(element: &Element) -> Result<Parameter, TwimlError> {
    no_text(element)?;
    if let Some(child) = element.elements().next() {
        return Err(misplaced(child, "Parameter"));
    }
    let name = element
        .attribute("name")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| schema("<Parameter> needs a name"))?;
    Ok(Parameter {
        name: name.to_owned(),
        value: element.attribute("value").unwrap_or_default().to_owned(),
    })
}

/// Appends the spoken text of `nodes` (SSML markup dropped, its text kept) to `out`.
fn spoken_text(nodes: &[Node], out: &mut String) -> Result<(), TwimlError> {
    // Iterative over a work list: the tree is at most `MAX_DEPTH` deep, but no recursion is
    // needed to keep it that way.
    let mut pending: Vec<&Node> = nodes.iter().rev().collect();
    while let Some(node) = pending.pop() {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Element(child) if SSML_ELEMENTS.contains(&child.name.as_str()) => {
                pending.extend(child.children.iter().rev());
            }
            Node::Element(child) => return Err(misplaced(child, "Say")),
        }
    }
    Ok(())
}

/// Whether Twilio knows `voice`: the basic voices or a provider voice.
fn known_voice(voice: &str) -> bool {
    matches!(voice, "man" | "woman" | "alice")
        || ["Polly.", "Google."].iter().any(|prefix| {
            voice
                .strip_prefix(prefix)
                .is_some_and(|name| !name.is_empty() && !name.contains(char::is_whitespace))
        })
}

fn say(element: &Element) -> Result<Say, TwimlError> {
    let mut text = String::new();
    spoken_text(&element.children, &mut text)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(InvalidValue::SayText, text));
    }
    let loops = match element.attribute("loop") {
        None => 1,
        Some(value) => value
            .trim()
            .parse::<u32>()
            .map_err(|_| invalid(InvalidValue::SayLoop, value))?,
    };
    let voice = element.attribute("voice");
    if let Some(voice) = voice.filter(|voice| !known_voice(voice)) {
        return Err(invalid(InvalidValue::SayVoice, voice));
    }
    Ok(Say {
        text: text.to_owned(),
        voice: voice.map(str::to_owned),
        language: element.attribute("language").map(str::to_owned),
        loops,
    })
}

fn pause(element: &Element) -> Result<Pause, TwimlError> {
    no_text(element)?;
    if let Some(child) = element.elements().next() {
        return Err(misplaced(child, "Pause"));
    }
    let seconds = match element.attribute("length") {
        None => 1,
        Some(value) => value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|&seconds| seconds > 0)
            .ok_or_else(|| invalid(InvalidValue::PauseLength, value))?,
    };
    Ok(Pause {
        length: Duration::from_secs(seconds),
    })
}

fn hangup(element: &Element) -> Result<(), TwimlError> {
    no_text(element)?;
    match element.elements().next() {
        Some(child) => Err(misplaced(child, "Hangup")),
        None => Ok(()),
    }
}
