//! Tests of `transcode`: each direction on messages shaped like the real ones.

use super::*;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;

const SID: &str = "MZ00000000000000000000000000000001";

fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

fn twilio_media(mulaw: &[u8], spaced: bool) -> String {
    let line = format!(
        r#"{{"event":"media","sequenceNumber":"2","streamSid":"{SID}","media":{{"track":"inbound","chunk":"1","timestamp":"0","payload":"{}"}}}}"#,
        b64(mulaw)
    );
    if spaced {
        line.replace("\":", "\": ").replace(",\"", ", \"")
    } else {
        line
    }
}

fn openai_delta(audio: &[u8]) -> String {
    format!(
        r#"{{"type":"response.output_audio.delta","event_id":"e1","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"{}"}}"#,
        b64(audio)
    )
}

fn run(transcoder: &mut Transcoder, line: &str) -> Result<Vec<Value>, TranscodeError> {
    let mut out = Messages::new();
    transcoder.push(line, &mut out)?;
    Ok(out
        .iter()
        .map(|m| serde_json::from_str(m).unwrap())
        .collect())
}

fn field_bytes(message: &Value, pointer: &str) -> Vec<u8> {
    BASE64
        .decode(message.pointer(pointer).unwrap().as_str().unwrap())
        .unwrap()
}

fn pcm24k(samples: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let tone: Vec<i16> = (0..samples).map(|n| ((n % 24) as i16 - 12) * 500).collect();
    crate::audio::pcm::encode_le(&tone, &mut bytes);
    bytes
}

#[test]
fn a_twilio_frame_becomes_one_openai_append_of_20_ms_at_24_khz() {
    let mut t = Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcm, SID).unwrap();
    for spaced in [false, true] {
        let out = run(&mut t, &twilio_media(&[0x80; 160], spaced)).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["type"], "input_audio_buffer.append");
        assert_eq!(field_bytes(&out[0], "/audio").len(), 960);
    }
}

#[test]
fn with_pcmu_the_twilio_payload_is_passed_through_unchanged() {
    let mut t = Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcmu, SID).unwrap();
    let frame: Vec<u8> = (0..160u8).collect();
    let out = run(&mut t, &twilio_media(&frame, false)).unwrap();
    assert_eq!(out[0]["audio"], b64(&frame));
}

#[test]
fn a_twilio_frame_becomes_one_gemini_realtime_input_of_20_ms_at_16_khz() {
    let mut t = Transcoder::new(Direction::TwilioToGemini, OpenAiAudio::Pcm, SID).unwrap();
    let out = run(&mut t, &twilio_media(&[0x80; 160], false)).unwrap();
    assert_eq!(
        out[0]["realtimeInput"]["audio"]["mimeType"],
        "audio/pcm;rate=16000"
    );
    assert_eq!(field_bytes(&out[0], "/realtimeInput/audio/data").len(), 640);
}

#[test]
fn twilios_other_messages_produce_nothing_and_broken_ones_are_errors() {
    let mut t = Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcm, SID).unwrap();
    let quiet = [
        r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#,
        r#"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#,
        r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"x"}}"#,
    ];
    for line in quiet {
        assert!(run(&mut t, line).unwrap().is_empty(), "{line}");
    }
    let good = twilio_media(&[0x80; 160], false);
    let broken = [
        "not json".to_owned(),
        good[..good.len() - 2].to_owned(),
        good.replace("\"media\",", "\"madia\","),
        good.replace("gICA", "g!CA"),
    ];
    for line in &broken {
        assert!(run(&mut t, line).is_err(), "{line}");
    }
}

#[test]
fn an_escaped_payload_is_read_through_serde() {
    let mut t = Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcmu, SID).unwrap();
    let frame = [0xFFu8, 0xFE, 0xFD];
    let line = twilio_media(&frame, false).replace('/', "\\/");
    let out = run(&mut t, &line).unwrap();
    assert_eq!(field_bytes(&out[0], "/audio"), frame);
}

#[test]
fn openai_audio_comes_out_as_whole_twilio_frames_of_160_bytes() {
    let mut t = Transcoder::new(Direction::OpenAiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    // 40 ms at 24 kHz: two frames; then 10 ms: none yet; then 10 ms more: the third.
    let out = run(&mut t, &openai_delta(&pcm24k(960))).unwrap();
    assert_eq!(out.len(), 2);
    for message in &out {
        assert_eq!(message["event"], "media");
        assert_eq!(message["streamSid"], SID);
        assert_eq!(field_bytes(message, "/media/payload").len(), 160);
    }
    assert!(run(&mut t, &openai_delta(&pcm24k(240))).unwrap().is_empty());
    assert_eq!(run(&mut t, &openai_delta(&pcm24k(240))).unwrap().len(), 1);
}

#[test]
fn openai_events_without_audio_produce_nothing() {
    let mut t = Transcoder::new(Direction::OpenAiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    let transcript = r#"{"type":"response.output_audio_transcript.delta","delta":"Bonjour"}"#;
    assert!(run(&mut t, transcript).unwrap().is_empty());
    assert!(run(&mut t, r#"{"type":"response.done","response":{}}"#)
        .unwrap()
        .is_empty());
    assert!(run(&mut t, r#"{"delta":"AAAA"}"#).is_err(), "no type");
}

#[test]
fn openai_pcmu_audio_is_only_cut_into_frames() {
    let mut t = Transcoder::new(Direction::OpenAiToTwilio, OpenAiAudio::Pcmu, SID).unwrap();
    let mulaw: Vec<u8> = (0..=255u8).cycle().take(400).collect();
    let out = run(&mut t, &openai_delta(&mulaw)).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(field_bytes(&out[1], "/media/payload"), &mulaw[160..320]);
}

#[test]
fn every_audio_part_of_a_gemini_message_is_played_and_text_parts_are_skipped() {
    let mut t = Transcoder::new(Direction::GeminiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    let line = format!(
        r#"{{"serverContent":{{"modelTurn":{{"parts":[{{"inlineData":{{"mimeType":"audio/pcm;rate=24000","data":"{}"}}}},{{"text":"data"}},{{"inlineData":{{"mimeType":"audio/pcm","data":"{}"}}}}]}}}}}}"#,
        b64(&pcm24k(480)),
        b64(&pcm24k(480))
    );
    assert_eq!(run(&mut t, &line).unwrap().len(), 2);
    let other = r#"{"serverContent":{"turnComplete":true}}"#;
    assert!(run(&mut t, other).unwrap().is_empty());
    assert!(run(&mut t, r#"{"setupComplete":{}}"#).unwrap().is_empty());
}

#[test]
fn gemini_audio_at_another_rate_is_refused() {
    let mut t = Transcoder::new(Direction::GeminiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    let line = r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=16000","data":"AAAA"}}]}}}"#;
    assert!(matches!(run(&mut t, line), Err(TranscodeError::Format(_))));
}

#[test]
fn the_same_audio_gives_the_same_frames_from_openai_and_from_gemini() {
    let audio = pcm24k(4800);
    let mut openai = Transcoder::new(Direction::OpenAiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    let mut gemini = Transcoder::new(Direction::GeminiToTwilio, OpenAiAudio::Pcm, SID).unwrap();
    let gemini_line = format!(
        r#"{{"serverContent":{{"modelTurn":{{"parts":[{{"inlineData":{{"mimeType":"audio/pcm;rate=24000","data":"{}"}}}}]}}}}}}"#,
        b64(&audio)
    );
    let a = run(&mut openai, &openai_delta(&audio)).unwrap();
    let b = run(&mut gemini, &gemini_line).unwrap();
    assert_eq!(a.len(), 10);
    assert_eq!(a, b);
}
