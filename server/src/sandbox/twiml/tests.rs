//! Unit tests of the TwiML parser: each verb and attribute, each error with its Twilio code,
//! Orderline's own TwiML builder round-tripping, and a seeded fuzz loop.

use super::*;
use crate::twilio::twiml as builder;
use rand::{Rng, SeedableRng};

fn verbs(document: &str) -> Vec<Verb> {
    parse(document.as_bytes()).unwrap().verbs
}

fn code(document: &str) -> u32 {
    parse(document.as_bytes()).unwrap_err().code()
}

const STREAM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Connect action="https://d.example/after">
    <Stream url="wss://d.example/media" name="agent" track="inbound_track" statusCallback="https://d.example/s">
      <Parameter name="callId" value="7"/>
      <Parameter name="token" value="a&amp;b"/>
    </Stream>
  </Connect>
  <Say>Disconnected</Say>
</Response>"#;

#[test]
fn connect_stream_gives_its_url_attributes_and_parameters_in_order() {
    let verbs = verbs(STREAM);
    let Verb::Connect(connect) = &verbs[0] else {
        panic!("not a connect: {verbs:?}")
    };
    assert_eq!(connect.action.as_deref(), Some("https://d.example/after"));
    let stream = &connect.stream;
    assert_eq!(stream.url.as_str(), "wss://d.example/media");
    assert_eq!(stream.name.as_deref(), Some("agent"));
    assert_eq!(stream.track, Track::InboundTrack);
    assert_eq!(
        stream.status_callback.as_deref(),
        Some("https://d.example/s")
    );
    let parameters: Vec<(&str, &str)> = stream
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(parameters, [("callId", "7"), ("token", "a&b")]);
    assert!(matches!(&verbs[1], Verb::Say(say) if say.text == "Disconnected"));
}

#[test]
fn a_stream_without_track_is_inbound_and_a_parameter_without_value_is_empty() {
    let verbs = verbs(
        r#"<Response><Connect><Stream url="ws://127.0.0.1:3000/m"><Parameter name="k"/></Stream></Connect></Response>"#,
    );
    let Verb::Connect(connect) = &verbs[0] else {
        panic!("not a connect")
    };
    assert_eq!(connect.stream.track, Track::InboundTrack);
    assert_eq!(connect.stream.parameters[0].value, "");
    assert_eq!(connect.action, None);
}

#[test]
fn say_is_trimmed_decoded_and_keeps_its_attributes() {
    let verbs = verbs(
        "<Response><Say voice=\"Polly.Celine\" language=\"fr-FR\" loop=\"3\">\n  Bonjour &amp; <![CDATA[<merci>]]> <break time=\"1s\"/><emphasis>vraiment</emphasis>\n</Say></Response>",
    );
    assert_eq!(
        verbs,
        [Verb::Say(Say {
            text: "Bonjour & <merci> vraiment".into(),
            voice: Some("Polly.Celine".into()),
            language: Some("fr-FR".into()),
            loops: 3,
        })]
    );
}

#[test]
fn say_defaults_to_one_loop_and_zero_means_until_the_call_ends() {
    let verbs = verbs(r#"<Response><Say>a</Say><Say loop="0">b</Say></Response>"#);
    assert!(matches!(&verbs[0], Verb::Say(say) if say.loops == 1 && say.voice.is_none()));
    assert!(matches!(&verbs[1], Verb::Say(say) if say.loops == 0));
}

#[test]
fn pause_defaults_to_one_second_and_reads_its_length() {
    let verbs = verbs(r#"<Response><Pause/><Pause length="5"></Pause><Hangup/></Response>"#);
    assert_eq!(
        verbs,
        [
            Verb::Pause(Pause {
                length: Duration::from_secs(1)
            }),
            Verb::Pause(Pause {
                length: Duration::from_secs(5)
            }),
            Verb::Hangup,
        ]
    );
}

#[test]
fn an_empty_response_has_no_verbs_and_comments_are_ignored() {
    assert_eq!(verbs("<Response/>"), []);
    assert_eq!(
        verbs(
            "\u{feff}<?xml version=\"1.0\"?><!-- c --><Response><!-- x --><Hangup/></Response>\n"
        ),
        [Verb::Hangup]
    );
}

#[test]
fn malformed_documents_and_other_roots_are_document_parse_failures() {
    for document in [
        "",
        "hello",
        "<Response>",
        "<Response><Say>a & b</Say></Response>",
        "<Response></response>",
        "<Say>hi</Say>",
        "<response><Hangup/></response>",
        "<Response/><Response/>",
    ] {
        assert_eq!(code(document), 12100, "{document:?}");
    }
    assert_eq!(
        parse(b"<Response>\xff</Response>").unwrap_err().code(),
        12100
    );
}

#[test]
fn unknown_and_unsupported_verbs_and_nonsense_are_schema_warnings() {
    for (document, unsupported) in [
        (
            "<Response><Dial>+33612345678</Dial></Response>",
            Some("Dial"),
        ),
        ("<Response><Gather/></Response>", Some("Gather")),
        (
            "<Response><Play>https://a/b.mp3</Play></Response>",
            Some("Play"),
        ),
        ("<Response><Record/></Response>", Some("Record")),
        (
            "<Response><Redirect>/x</Redirect></Response>",
            Some("Redirect"),
        ),
        ("<Response><Reject/></Response>", Some("Reject")),
        (
            r#"<Response><Connect><Room>r</Room></Connect></Response>"#,
            Some("Room"),
        ),
        ("<Response><Foo/></Response>", None),
        ("<Response>text</Response>", None),
        ("<Response><Hangup>x</Hangup></Response>", None),
        ("<Response><Pause><Say>a</Say></Pause></Response>", None),
        ("<Response><Connect/></Response>", None),
        (r#"<Response><Connect><Stream/></Connect></Response>"#, None),
        (
            r#"<Response><Connect><Stream url="wss://a/b"><Parameter value="v"/></Stream></Connect></Response>"#,
            None,
        ),
        (
            r#"<Response><Connect><Stream url="wss://a/b"><Say>x</Say></Stream></Connect></Response>"#,
            None,
        ),
        ("<Response><Say>a<Hangup/></Say></Response>", None),
        (
            "<Response><Say>a<Play>b</Play></Say></Response>",
            Some("Play"),
        ),
    ] {
        let error = parse(document.as_bytes()).unwrap_err();
        assert_eq!(error.code(), 12200, "{document:?}: {error}");
        match unsupported {
            Some(verb) => assert_eq!(
                error,
                TwimlError::Unsupported { verb: verb.into() },
                "{document:?}"
            ),
            None => assert!(
                matches!(error, TwimlError::Schema(_)),
                "{document:?}: {error}"
            ),
        }
    }
}

#[test]
fn invalid_attribute_values_carry_the_verb_s_twilio_code() {
    let stream = |attributes: &str| {
        format!("<Response><Connect><Stream {attributes}/></Connect></Response>")
    };
    for (document, expected) in [
        (
            r#"<Response><Say loop="-1">a</Say></Response>"#.to_owned(),
            13510,
        ),
        (
            r#"<Response><Say loop="two">a</Say></Response>"#.to_owned(),
            13510,
        ),
        (
            r#"<Response><Say voice="robot">a</Say></Response>"#.to_owned(),
            13511,
        ),
        ("<Response><Say>  </Say></Response>".to_owned(), 13520),
        ("<Response><Say/></Response>".to_owned(), 13520),
        (
            r#"<Response><Pause length="0"/></Response>"#.to_owned(),
            13910,
        ),
        (
            r#"<Response><Pause length="1.5"/></Response>"#.to_owned(),
            13910,
        ),
        (stream(r#"url="https://a/b""#), 31922),
        (stream(r#"url="http://a/b""#), 31922),
        (stream(r#"url="/relative/media""#), 31923),
        (stream(r#"url="wss://""#), 31923),
        (stream(r#"url="wss://a/b" track="both_tracks""#), 31941),
        (stream(r#"url="wss://a/b" track="sideways""#), 31941),
    ] {
        assert_eq!(code(&document), expected, "{document}");
    }
}

#[test]
fn documents_over_64_kb_are_refused_with_11750() {
    let padding = " ".repeat(MAX_DOCUMENT_BYTES);
    let document = format!("<Response>{padding}</Response>");
    assert_eq!(
        parse(document.as_bytes()).unwrap_err(),
        TwimlError::TooLarge {
            bytes: document.len()
        }
    );
    assert_eq!(code(&document), 11750);
    let fits = format!(
        "<Response>{}</Response>",
        " ".repeat(MAX_DOCUMENT_BYTES - 21)
    );
    assert_eq!(fits.len(), MAX_DOCUMENT_BYTES);
    assert_eq!(verbs(&fits), []);
}

#[test]
fn orderline_s_own_twiml_round_trips() {
    let url = "wss://desk.example.com/api/v1/orders/7/twilio-media";
    let xml = builder::connect_stream(url, &[("callId", "12"), ("token", "a&b<\"'>")]);
    let parsed = verbs(&xml);
    let [Verb::Connect(connect)] = parsed.as_slice() else {
        panic!("{parsed:?}")
    };
    assert_eq!(connect.stream.url.as_str(), url);
    assert_eq!(
        connect.stream.parameters,
        [
            Parameter {
                name: "callId".into(),
                value: "12".into()
            },
            Parameter {
                name: "token".into(),
                value: "a&b<\"'>".into()
            },
        ]
    );

    let xml = builder::say_and_hang_up("Orders <&> more", "fr-FR");
    let said = Say {
        text: "Orders <&> more".into(),
        voice: None,
        language: Some("fr-FR".into()),
        loops: 1,
    };
    assert_eq!(verbs(&xml), [Verb::Say(said), Verb::Hangup]);
    assert_eq!(verbs(&builder::hang_up()), [Verb::Hangup]);
}

/// Mutates `document` in place: byte flips, insertions of TwiML-ish fragments, deletions,
/// duplications of a slice.
fn mutate(rng: &mut rand::rngs::StdRng, document: &mut Vec<u8>) {
    const FRAGMENTS: &[&[u8]] = &[
        b"<",
        b">",
        b"/>",
        b"</",
        b"&",
        b"&amp;",
        b"&#x0;",
        b"&#1114112;",
        b"<![CDATA[",
        b"]]>",
        b"\"",
        b"'",
        b"=",
        b"<Say>",
        b"</Say>",
        b"<Response>",
        b"<Stream url=\"wss://a\">",
        b"<Parameter/>",
        b"<!--",
        b"-->",
        b"<?xml",
        b"?>",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
        b"\xff",
        b"\xc3",
        b"\0",
        b"loop=\"99999999999\"",
        b"length=\"-1\"",
    ];
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..=document.len());
        match rng.gen_range(0..4) {
            0 if at < document.len() => document[at] = rng.gen(),
            1 => {
                let fragment = FRAGMENTS[rng.gen_range(0..FRAGMENTS.len())];
                document.splice(at..at, fragment.iter().copied());
            }
            2 if at < document.len() => {
                let end = rng.gen_range(at..=document.len().min(at + 16));
                document.drain(at..end);
            }
            _ if at < document.len() => {
                let end = rng.gen_range(at..=document.len().min(at + 64));
                let slice = document[at..end].to_vec();
                document.splice(at..at, slice);
            }
            _ => {}
        }
    }
}

#[test]
fn fuzzed_documents_never_panic() {
    let seeds: Vec<Vec<u8>> = [
        STREAM.to_owned(),
        builder::say_and_hang_up("Bonjour", "fr-FR"),
        builder::hang_up(),
        r#"<Response><Say voice="alice" loop="2">Hi <emphasis>there</emphasis></Say><Pause length="2"/><Hangup/></Response>"#.to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7_3141);
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..20_000 {
        let mut document = seeds[round % seeds.len()].clone();
        mutate(&mut rng, &mut document);
        match parse(&document) {
            Ok(_) => parsed += 1,
            Err(error) => {
                assert!(error.code() >= 11750, "{error}");
                refused += 1;
            }
        }
    }
    for _ in 0..5_000 {
        let length = rng.gen_range(0..512);
        let bytes: Vec<u8> = (0..length).map(|_| rng.gen()).collect();
        let _ = parse(&bytes);
    }
    // Both outcomes happen, so the loop explores more than the error path.
    assert!(
        parsed > 100 && refused > 100,
        "{parsed} parsed, {refused} refused"
    );
}

#[test]
fn deeply_nested_documents_are_refused_without_overflowing() {
    let depth = MAX_DOCUMENT_BYTES / 8;
    let document = format!("<Response>{}", "<Say>".repeat(depth));
    assert_eq!(
        code(&document[..MAX_DOCUMENT_BYTES.min(document.len())]),
        12100
    );
}
