//! The sandbox's Media Streams leg (`server::sandbox::stream`), as Twilio behaves: against a
//! tiny recording WebSocket server (message shapes, pace, silence, marks, clear, dtmf, stop,
//! the task ending), and against Orderline's own media endpoint (`orderline`).

mod fake;
mod orderline;

use base64::Engine;
use fake::{FakeServer, Seen};
use serde_json::{json, Value};
use server::sandbox::stream::{self, StreamEnd, StreamError, StreamLeg, StreamParams};
use server::twilio::signature;
use std::time::Duration;
use tokio::time::Instant;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const CALL: &str = "CA0123456789abcdef0123456789abcdef";
const TOKEN: &str = "sandbox-auth-token";

fn params(url: &url::Url, token: &str) -> StreamParams {
    StreamParams {
        url: url.clone(),
        parameters: vec![
            ("callId".into(), "7".into()),
            ("token".into(), "a&b".into()),
        ],
        account_sid: ACCOUNT.into(),
        call_sid: CALL.into(),
        auth_token: token.to_owned().into(),
        stream_sid: stream::generate_stream_sid(),
    }
}

/// A leg opened on a fresh fake server; the server has seen `connected` and `start`.
async fn opened() -> (FakeServer, StreamLeg) {
    let mut server = FakeServer::start().await;
    let leg = stream::open(params(&server.url, TOKEN)).await.unwrap();
    assert_eq!(server.next_json().await.0["event"], "connected");
    assert_eq!(server.next_json().await.0["event"], "start");
    (server, leg)
}

fn payload(media: &Value) -> Vec<u8> {
    let text = media["media"]["payload"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn number(value: &Value) -> u64 {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_leg_signs_its_upgrade_and_starts_with_twilio_s_exact_messages() {
    // Arrange: a Stream URL with a query string, which Twilio drops.
    let mut server = FakeServer::start().await;
    let mut with_query = server.url.clone();
    with_query.set_query(Some("ticket=1"));
    let params = params(&with_query, TOKEN);
    let sid = params.stream_sid.clone();

    // Act
    let leg = stream::open(params).await.unwrap();

    // Assert
    let (uri, headers) = server.upgrade();
    assert_eq!(uri.query(), None);
    let expected = signature::sign(TOKEN, server.url.as_str(), &[]);
    assert_eq!(headers["x-twilio-signature"], expected.as_str());
    assert_eq!(
        server.next_json().await.0,
        json!({"event":"connected","protocol":"Call","version":"1.0.0"})
    );
    assert_eq!(
        server.next_json().await.0,
        json!({"event":"start","sequenceNumber":"1","streamSid":sid,"start":{
            "accountSid":ACCOUNT,"streamSid":sid,"callSid":CALL,"tracks":["inbound"],
            "customParameters":{"callId":"7","token":"a&b"},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}})
    );
    let (media, _) = server.next_json().await;
    assert_eq!(media["event"], "media");
    assert_eq!(media["sequenceNumber"], "2");
    assert_eq!(media["streamSid"], sid.as_str());
    assert_eq!(media["media"]["track"], "inbound");
    assert_eq!(media["media"]["chunk"], "1");
    assert_eq!(payload(&media).len(), 160);
    assert_eq!(leg.stream_sid, sid);
}

#[tokio::test]
async fn media_frames_come_at_real_time_pace_as_silence_when_the_microphone_is_quiet() {
    // Arrange
    let (mut server, _leg) = opened().await;
    let (first, first_at) = server.next_json().await;

    // Act: one second of frames.
    let mut frames = vec![first];
    loop {
        let (media, at) = server.next_json().await;
        if at.duration_since(first_at) >= Duration::from_secs(1) {
            break;
        }
        frames.push(media);
    }

    // Assert: about 50 frames (a correctness check of the pace, with room for a busy machine),
    // counted, stamped and numbered without gaps, all silence.
    assert!(
        (42..=58).contains(&frames.len()),
        "{} frames in 1 s",
        frames.len()
    );
    for pair in frames.windows(2) {
        assert_eq!(
            number(&pair[1]["sequenceNumber"]),
            number(&pair[0]["sequenceNumber"]) + 1
        );
        assert_eq!(
            number(&pair[1]["media"]["chunk"]),
            number(&pair[0]["media"]["chunk"]) + 1
        );
    }
    for frame in &frames {
        let chunk = number(&frame["media"]["chunk"]);
        let timestamp = number(&frame["media"]["timestamp"]);
        assert_eq!(timestamp, (chunk - 1) * 20, "{frame}");
        assert_eq!(payload(frame), vec![0xFF; 160]);
    }
}

#[tokio::test]
async fn the_caller_s_audio_is_sent_in_frames_and_padded_with_silence() {
    // Arrange
    let (mut server, leg) = opened().await;
    let voice: Vec<u8> = (0..200u16).map(|i| (i % 100) as u8).collect();

    // Act
    leg.caller_audio.send(voice.clone()).await.unwrap();

    // Assert: the next non-silent frames carry it, in order, the rest padded with 0xFF.
    let mut heard = Vec::new();
    while heard.len() < 320 {
        let (media, _) = server.next_json().await;
        let frame = payload(&media);
        if heard.is_empty() && frame == vec![0xFF; 160] {
            continue;
        }
        heard.extend(frame);
    }
    let mut expected = voice;
    expected.resize(320, 0xFF);
    assert_eq!(heard, expected);
}

#[tokio::test]
async fn a_mark_is_echoed_once_the_audio_before_it_has_played_and_not_earlier() {
    // Arrange
    let (mut server, mut leg) = opened().await;
    let sid = leg.stream_sid.clone();
    let audio: Vec<u8> = (0..3200u16).map(|i| (i % 256) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&audio);

    // Act: 400 ms of audio, then a mark.
    let sent_at = Instant::now();
    server.send(json!({"event":"media","streamSid":sid,"media":{"payload":encoded}}));
    server.send(json!({"event":"mark","streamSid":sid,"mark":{"name":"m1"}}));

    // Assert: the mark comes back after the audio's 400 ms, not before (and not much later).
    let Seen::Json(mark, echoed_at) = server.next_non_media().await else {
        panic!("closed")
    };
    let waited = echoed_at.duration_since(sent_at);
    assert!(
        waited >= Duration::from_millis(400),
        "echoed after {waited:?}"
    );
    assert!(
        waited < Duration::from_millis(900),
        "echoed after {waited:?}"
    );
    assert_eq!(mark["event"], "mark");
    assert_eq!(mark["streamSid"], sid.as_str());
    assert_eq!(mark["mark"], json!({"name":"m1"}));
    assert!(mark["sequenceNumber"].as_str().is_some());
    // The engine got the audio, in 20 ms frames, in order.
    let mut played = Vec::new();
    while played.len() < audio.len() {
        let frame = leg.agent_audio.recv().await.unwrap();
        assert!(frame.len() <= 160);
        played.extend(frame);
    }
    assert_eq!(played, audio);
}

#[tokio::test]
async fn clear_drops_the_unplayed_audio_and_echoes_every_pending_mark_at_once() {
    // Arrange: 10 s of audio with two marks queued.
    let (mut server, mut leg) = opened().await;
    let sid = leg.stream_sid.clone();
    let ten_seconds = base64::engine::general_purpose::STANDARD.encode(vec![0x11; 80_000]);
    for name in ["a", "b"] {
        server.send(json!({"event":"media","streamSid":sid,"media":{"payload":ten_seconds}}));
        server.send(json!({"event":"mark","streamSid":sid,"mark":{"name":name}}));
    }
    leg.agent_audio.recv().await.unwrap();

    // Act
    let cleared_at = Instant::now();
    server.send(json!({"event":"clear","streamSid":sid}));

    // Assert: both marks at once, in order, and the audio stops.
    for name in ["a", "b"] {
        let Seen::Json(mark, at) = server.next_non_media().await else {
            panic!("closed")
        };
        assert_eq!(mark["mark"]["name"], name);
        assert!(at.duration_since(cleared_at) < Duration::from_millis(300));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    while leg.agent_audio.try_recv().is_ok() {}
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        leg.agent_audio.try_recv().is_err(),
        "audio still plays after clear"
    );
}

#[tokio::test]
async fn malformed_messages_are_skipped_and_the_stream_goes_on() {
    // Arrange
    let (mut server, leg) = opened().await;
    let sid = leg.stream_sid.clone();

    // Act
    server.send_raw("not json");
    server.send(json!({"event":"media","streamSid":sid,"media":{"payload":"%%%"}}));
    server.send(json!({"event":"mark","streamSid":"MZother","mark":{"name":"foreign"}}));
    server.send(json!({"event":"start","streamSid":sid}));
    server.send(json!({"event":"mark","streamSid":sid,"mark":{"name":"ok"}}));

    // Assert: only the valid mark is echoed.
    let Seen::Json(mark, _) = server.next_non_media().await else {
        panic!("closed")
    };
    assert_eq!(mark["mark"]["name"], "ok");
}

#[tokio::test]
async fn a_digit_is_sent_as_dtmf_on_the_inbound_track() {
    // Arrange
    let (mut server, leg) = opened().await;

    // Act
    leg.dtmf('5').unwrap();
    let refused = leg.dtmf('x');

    // Assert
    let Seen::Json(dtmf, _) = server.next_non_media().await else {
        panic!("closed")
    };
    assert_eq!(dtmf["event"], "dtmf");
    assert_eq!(dtmf["streamSid"], leg.stream_sid.as_str());
    assert_eq!(dtmf["dtmf"], json!({"track":"inbound_track","digit":"5"}));
    assert!(dtmf["sequenceNumber"].as_str().is_some());
    assert_eq!(refused, Err(stream::DtmfError::InvalidDigit('x')));
}

#[tokio::test]
async fn stop_sends_stop_then_closes_the_socket() {
    // Arrange
    let (mut server, leg) = opened().await;
    let sid = leg.stream_sid.clone();

    // Act
    let end = leg.stop().await;

    // Assert
    let Seen::Json(stop, _) = server.next_non_media().await else {
        panic!("closed before stop")
    };
    assert_eq!(stop["event"], "stop");
    assert_eq!(stop["streamSid"], sid.as_str());
    assert_eq!(stop["stop"], json!({"accountSid":ACCOUNT,"callSid":CALL}));
    assert!(matches!(server.next().await, Seen::Closed(Some(1000))));
    assert_eq!(end, StreamEnd::Stopped);
}

#[tokio::test]
async fn dropping_the_leg_stops_the_stream_and_ends_its_task() {
    // Arrange
    let (mut server, leg) = opened().await;
    let microphone = leg.caller_audio.clone();

    // Act
    drop(leg);

    // Assert: stop, a close, and the task gone (it held the microphone's receiving end).
    let Seen::Json(stop, _) = server.next_non_media().await else {
        panic!("closed before stop")
    };
    assert_eq!(stop["event"], "stop");
    assert!(matches!(server.next().await, Seen::Closed(_)));
    tokio::time::timeout(Duration::from_secs(3), microphone.closed())
        .await
        .expect("the task ends");
}

#[tokio::test]
async fn the_server_closing_ends_the_leg_with_its_close_code() {
    // Arrange
    let (server, mut leg) = opened().await;

    // Act
    server.close(1000);

    // Assert
    let end = tokio::time::timeout(Duration::from_secs(3), leg.closed())
        .await
        .unwrap();
    assert_eq!(
        end,
        StreamEnd::ClosedByServer {
            code: Some(1000),
            reason: "bye".into()
        }
    );
    let ended = tokio::time::timeout(Duration::from_secs(3), leg.agent_audio.recv()).await;
    assert_eq!(ended.unwrap(), None, "the agent audio channel closes");
}

#[tokio::test]
async fn failures_to_connect_carry_twilio_s_stream_error_codes() {
    // A server refusing the upgrade: 31920.
    let server = FakeServer::start_with(Some(axum::http::StatusCode::FORBIDDEN)).await;
    let error = stream::open(params(&server.url, TOKEN)).await.unwrap_err();
    assert!(
        matches!(error, StreamError::Handshake { status: 403 }),
        "{error:?}"
    );
    assert_eq!(error.code(), 31920);

    // Nothing listening: 31902.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let closed = url::Url::parse(&format!("ws://127.0.0.1:{port}/media")).unwrap();
    let error = stream::open(params(&closed, TOKEN)).await.unwrap_err();
    assert_eq!(error.code(), 31902, "{error:?}");
}
