//! The softphone's browser side: one WebSocket to `/sandbox/phone/ws` for the chosen number, the
//! microphone and the speaker. WebAudio runs at 8 kHz (the browser resamples the microphone and
//! the output device), so audio crosses the socket as 16-bit PCM at 8 kHz and the server does the
//! mu-law conversion with the bridge's own codec. While a call rings, a 440 + 480 Hz ring tone
//! plays (two seconds on, four off, as in North America).

use super::softphone::{Line, Softphone};
use crate::api::{status_word, SoftphoneEvent, SoftphoneRequest};
use crate::i18n::td_string;
use crate::locale::fill;
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AudioContext, BinaryType, MessageEvent, WebSocket};

/// The sample rate of the line (G.711).
const RATE: f32 = 8000.0;
/// The microphone tap, an AudioWorklet module served from `public/`.
const CAPTURE_MODULE: &str = "/softphone-capture.js";

#[derive(Default)]
struct Client {
    socket: Option<WebSocket>,
    audio: Option<AudioContext>,
    /// When the next received frame starts playing (AudioContext time).
    play_at: f64,
    ring: Option<web_sys::OscillatorNode>,
    microphone: Option<web_sys::MediaStream>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

fn send(request: &SoftphoneRequest) {
    let Ok(text) = serde_json::to_string(request) else {
        return;
    };
    CLIENT.with_borrow(|client| {
        if let Some(socket) = &client.socket {
            let _ = socket.send_with_str(&text);
        }
    });
}

/// Connects as `number` (closing any previous connection). Called from a click, so the audio
/// context may start.
pub fn open(phone: Softphone, number: &str) {
    let previous = CLIENT.with_borrow_mut(|client| client.socket.take());
    if let Some(previous) = previous {
        previous.set_onclose(None);
        let _ = previous.close();
    }
    let options = web_sys::AudioContextOptions::new();
    options.set_sample_rate(RATE);
    let audio = AudioContext::new_with_context_options(&options).ok();
    CLIENT.with_borrow_mut(|client| client.audio = audio);
    let url = crate::live::socket_url(&format!(
        "/sandbox/phone/ws?number={}",
        crate::api::urlencode(number)
    ));
    let Ok(socket) = WebSocket::new(&url) else {
        phone.line.set(Line::Lost);
        return;
    };
    socket.set_binary_type(BinaryType::Arraybuffer);
    let on_open = Closure::<dyn FnMut()>::new(move || phone.line.set(Line::Idle));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        if let Some(text) = data.as_string() {
            match serde_json::from_str::<SoftphoneEvent>(&text) {
                Ok(event) => apply(phone, event),
                Err(error) => leptos::logging::warn!("softphone: unreadable event: {error}"),
            }
        } else if let Ok(buffer) = data.dyn_into::<js_sys::ArrayBuffer>() {
            play(&js_sys::Int16Array::new(&buffer).to_vec());
        }
    });
    let number = number.to_owned();
    let on_close = Closure::<dyn FnMut()>::new(move || {
        stop_ringing();
        stop_microphone();
        phone.line.set(Line::Lost);
        let number = number.clone();
        set_timeout(
            move || open(phone, &number),
            std::time::Duration::from_secs(2),
        );
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    on_open.forget();
    on_message.forget();
    on_close.forget();
    CLIENT.with_borrow_mut(|client| client.socket = Some(socket));
}

fn apply(phone: Softphone, event: SoftphoneEvent) {
    match event {
        SoftphoneEvent::Ringing { call_sid, from } => {
            if !matches!(phone.line.get_untracked(), Line::InCall { .. }) {
                start_ringing();
                phone.line.set(Line::Ringing { call_sid, from });
            }
        }
        SoftphoneEvent::RingStopped { call_sid } => {
            if matches!(phone.line.get_untracked(), Line::Ringing { call_sid: ref s, .. } if *s == call_sid)
            {
                stop_ringing();
                phone.line.set(Line::Idle);
            }
        }
        SoftphoneEvent::Connected { call_sid } => {
            stop_ringing();
            phone.caption.set(String::new());
            phone.line.set(Line::InCall { call_sid });
            start_microphone(phone);
        }
        SoftphoneEvent::Ended { call_sid, status } => {
            let current = match phone.line.get_untracked() {
                Line::InCall { call_sid } | Line::Ringing { call_sid, .. } => Some(call_sid),
                _ => None,
            };
            if current.as_deref() == Some(call_sid.as_str()) {
                stop_ringing();
                stop_microphone();
                let status = status_word(&status, phone.locale);
                let ended = td_string!(phone.locale, phone.line.ended);
                phone.caption.set(fill(ended, &[("status", &status)]));
                phone.line.set(Line::Idle);
            }
        }
        SoftphoneEvent::Caption { text } => phone.caption.set(text),
        SoftphoneEvent::Inbox { messages } => phone.inbox.set(messages),
        SoftphoneEvent::Error { message } => phone.error.set(message),
    }
}

/// Answers or declines the ringing call.
pub fn respond(phone: Softphone, call_sid: &str, answer: bool) {
    stop_ringing();
    let call_sid = call_sid.to_owned();
    if answer {
        send(&SoftphoneRequest::Answer { call_sid });
    } else {
        send(&SoftphoneRequest::Decline { call_sid });
        phone.line.set(Line::Idle);
    }
}

/// Hangs up the current call.
pub fn hang_up(phone: Softphone) {
    send(&SoftphoneRequest::Hangup);
    stop_microphone();
    phone
        .caption
        .set(td_string!(phone.locale, phone.line.hung_up).into());
    phone.line.set(Line::Idle);
}

/// Sends a keypad digit.
pub fn dtmf(digit: char) {
    send(&SoftphoneRequest::Dtmf { digit });
}

/// Sends a text from this phone.
pub fn text(body: &str) {
    send(&SoftphoneRequest::Text {
        body: body.to_owned(),
    });
}

/// Plays one frame of 8 kHz PCM right after the previous one.
fn play(samples: &[i16]) {
    CLIENT.with_borrow_mut(|client| {
        let Some(audio) = &client.audio else { return };
        let floats: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let Ok(buffer) = audio.create_buffer(1, floats.len() as u32, RATE) else {
            return;
        };
        let _ = buffer.copy_to_channel(&floats, 0);
        let Ok(source) = audio.create_buffer_source() else {
            return;
        };
        source.set_buffer(Some(&buffer));
        let _ = source.connect_with_audio_node(&audio.destination());
        // A little slack absorbs network jitter; after a gap, start again from now.
        let now = audio.current_time();
        if client.play_at < now {
            client.play_at = now + 0.06;
        }
        let _ = source.start_with_when(client.play_at);
        client.play_at += f64::from(buffer.duration());
    });
}

fn start_ringing() {
    CLIENT.with_borrow_mut(|client| {
        let Some(audio) = &client.audio else { return };
        if client.ring.is_some() {
            return;
        }
        let _ = audio.resume();
        let (Ok(tone), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
            return;
        };
        tone.frequency().set_value(440.0);
        // On for 2 s, off for 4 s.
        let now = audio.current_time();
        let level = gain.gain();
        for cycle in 0..20 {
            let start = now + f64::from(cycle) * 6.0;
            let _ = level.set_value_at_time(0.15, start);
            let _ = level.set_value_at_time(0.0, start + 2.0);
        }
        let _ = tone.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&audio.destination());
        let _ = tone.start();
        client.ring = Some(tone);
    });
}

fn stop_ringing() {
    CLIENT.with_borrow_mut(|client| {
        if let Some(tone) = client.ring.take() {
            let _ = tone.stop();
        }
    });
}

/// Opens the microphone and streams it to the server in blocks of 128 samples (16 ms).
fn start_microphone(phone: Softphone) {
    let Some(devices) = window().navigator().media_devices().ok() else {
        phone
            .error
            .set(td_string!(phone.locale, phone.line.no_microphone).into());
        return;
    };
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let Ok(promise) = devices.get_user_media_with_constraints(&constraints) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let stream = match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(stream) => stream.unchecked_into::<web_sys::MediaStream>(),
            Err(_) => {
                let blocked = td_string!(phone.locale, phone.line.microphone_blocked);
                phone.error.set(blocked.into());
                return;
            }
        };
        let Some(audio) = CLIENT.with_borrow(|client| client.audio.clone()) else {
            return;
        };
        let _ = audio.resume();
        // The capture worklet (public/softphone-capture.js) is loaded once per audio context.
        if let Ok(worklet) = audio.audio_worklet() {
            if let Ok(loading) = worklet.add_module(CAPTURE_MODULE) {
                if wasm_bindgen_futures::JsFuture::from(loading).await.is_err() {
                    let failed = td_string!(phone.locale, phone.line.microphone_failed);
                    phone.error.set(failed.into());
                    return;
                }
            }
        }
        let (Ok(source), Ok(capture)) = (
            audio.create_media_stream_source(&stream),
            web_sys::AudioWorkletNode::new(&audio, "softphone-capture"),
        ) else {
            return;
        };
        let on_block = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let samples = js_sys::Float32Array::new(&event.data()).to_vec();
            let mut bytes = Vec::with_capacity(samples.len() * 2);
            for sample in samples {
                let value = (sample.clamp(-1.0, 1.0) * 32767.0) as i16;
                bytes.extend_from_slice(&value.to_le_bytes());
            }
            CLIENT.with_borrow(|client| {
                if let (Some(socket), Some(_)) = (&client.socket, &client.microphone) {
                    let _ = socket.send_with_u8_array(&bytes);
                }
            });
        });
        if let Ok(port) = capture.port() {
            port.set_onmessage(Some(on_block.as_ref().unchecked_ref()));
        }
        on_block.forget();
        let _ = source.connect_with_audio_node(&capture);
        CLIENT.with_borrow_mut(|client| client.microphone = Some(stream));
    });
}

fn stop_microphone() {
    CLIENT.with_borrow_mut(|client| {
        if let Some(stream) = client.microphone.take() {
            for track in stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
    });
}
