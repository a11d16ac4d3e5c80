//! An answered call's TwiML, verb by verb, until the document ends, a `<Hangup/>`, the phone
//! hangs up or an update ends it. A redirect (`Url`/`Twiml` update) stops the current verb and
//! runs the new document. A document that cannot be fetched or parsed ends the call as Twilio
//! does: "An application error has occurred" is said, then the call completes (the error code is
//! logged, as Twilio's debugger would show it).

use super::{voice_params, Engine};
use crate::providers::demo::lines::Lang;
use crate::providers::demo::speech::{synthesize, Voice};
use crate::sandbox::phone::{PhoneLine, ToPhone};
use crate::sandbox::rest::CallUpdate;
use crate::sandbox::store::{CallInstructions, CallStatus};
use crate::sandbox::stream::{self, StreamParams};
use crate::sandbox::twiml::{self, Verb};
use std::time::Duration;
use tokio::sync::mpsc;

/// One frame of mu-law: 20 ms at 8 kHz.
const FRAME: usize = 160;

/// What ended a verb early.
enum Stop {
    /// The call is over with this status.
    End(CallStatus),
    /// Run these instructions instead.
    Redirect(CallInstructions),
}

/// Runs an answered call's documents.
pub(super) struct Runner<'a> {
    pub engine: &'a Engine,
    pub call_sid: &'a str,
    pub line: PhoneLine,
    pub updates: &'a mut mpsc::Receiver<CallUpdate>,
}

impl Runner<'_> {
    /// Runs `instructions` and whatever they lead to; the status the call ends with.
    pub async fn run(mut self, mut instructions: CallInstructions) -> CallStatus {
        let _ = self.line.tab.try_send(ToPhone::Connected {
            call_sid: self.call_sid.to_owned(),
        });
        loop {
            let document = match self.fetch(&instructions).await {
                Ok(document) => document,
                Err(reason) => {
                    tracing::warn!(call_sid = self.call_sid, %reason, "sandbox: TwiML failed");
                    let _ = self
                        .say("An application error has occurred. Goodbye.", Lang::En)
                        .await;
                    return CallStatus::Completed;
                }
            };
            match self.verbs(document.verbs).await {
                None => return CallStatus::Completed,
                Some(Stop::End(status)) => return status,
                Some(Stop::Redirect(next)) => instructions = next,
            }
        }
    }

    /// The TwiML of `instructions`: fetched (signed) or inline, parsed.
    async fn fetch(&self, instructions: &CallInstructions) -> Result<twiml::Response, String> {
        let text = match instructions {
            CallInstructions::Twiml(text) => text.clone(),
            CallInstructions::Url { url, method } => {
                let call = self
                    .engine
                    .store
                    .call(self.call_sid)
                    .ok_or("the call is gone")?;
                let params = voice_params(&call, call.status.as_str());
                let answer = self
                    .engine
                    .poster
                    .send(*method, url, &params)
                    .await
                    .map_err(|e| format!("11200 HTTP retrieval failure: {e}"))?;
                if !(200..300).contains(&answer.status) {
                    return Err(format!(
                        "11200 HTTP retrieval failure: the voice URL answered {}",
                        answer.status
                    ));
                }
                answer.body
            }
        };
        twiml::parse(text.as_bytes()).map_err(|e| format!("{} {e}", e.code()))
    }

    /// Runs `verbs` in order: None when they all ran.
    async fn verbs(&mut self, verbs: Vec<Verb>) -> Option<Stop> {
        for verb in verbs {
            let stopped = match verb {
                Verb::Hangup => return Some(Stop::End(CallStatus::Completed)),
                Verb::Pause(pause) => self.interruptible(tokio::time::sleep(pause.length)).await,
                Verb::Say(say) => {
                    let lang = match say.language.as_deref() {
                        Some(tag) => Lang::from_tag(tag),
                        None => Lang::En,
                    };
                    // `loop="0"` repeats until the call ends; a sandbox call stops at 10.
                    let times = if say.loops == 0 {
                        10
                    } else {
                        say.loops.min(10)
                    };
                    self.say_times(&say.text, lang, times).await
                }
                Verb::Connect(connect) => self.connect(connect.stream).await,
            };
            if stopped.is_some() {
                return stopped;
            }
        }
        None
    }

    /// Waits for `work` unless the call ends or is redirected first.
    async fn interruptible(&mut self, work: impl std::future::Future<Output = ()>) -> Option<Stop> {
        tokio::select! {
            () = work => None,
            stop = interrupted(self.updates, &mut self.line.hung_up) => Some(stop),
        }
    }

    /// Speaks `text` to the phone (caption and audio, at playing pace).
    async fn say(&mut self, text: &str, lang: Lang) -> Option<Stop> {
        self.say_times(text, lang, 1).await
    }

    /// Speaks `text` `times` times (`<Say loop>`): synthesized once, played at playing pace.
    async fn say_times(&mut self, text: &str, lang: Lang, times: u32) -> Option<Stop> {
        let _ = self.line.tab.try_send(ToPhone::Caption {
            text: text.to_owned(),
        });
        let audio = synthesize(&Voice::default(), lang, text).await;
        let tab = self.line.tab.clone();
        let play = async move {
            let mut pace = tokio::time::interval(Duration::from_millis(20));
            for _ in 0..times {
                for frame in audio.chunks(FRAME) {
                    pace.tick().await;
                    if tab.send(ToPhone::Audio(frame.to_vec())).await.is_err() {
                        return;
                    }
                }
            }
        };
        self.interruptible(play).await
    }

    /// `<Connect><Stream>`: bridges the phone with the stream until one side ends it.
    async fn connect(&mut self, target: twiml::Stream) -> Option<Stop> {
        let Some(call) = self.engine.store.call(self.call_sid) else {
            return Some(Stop::End(CallStatus::Completed));
        };
        let params = StreamParams {
            url: target.url.clone(),
            parameters: target
                .parameters
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
            account_sid: call.account_sid.clone(),
            call_sid: call.sid.clone(),
            auth_token: self.engine.poster.auth_token(),
            stream_sid: stream::generate_stream_sid(),
        };
        let mut leg = match stream::open(params).await {
            Ok(leg) => leg,
            Err(error) => {
                // Twilio logs 31920 (Stream - WebSocket - Handshake Error) and goes on.
                tracing::warn!(call_sid = self.call_sid, %error, "sandbox: the stream could not open");
                return None;
            }
        };
        let stop = loop {
            tokio::select! {
                frame = self.line.microphone.recv() => match frame {
                    Some(frame) => { let _ = leg.caller_audio.try_send(frame); }
                    None => break Some(Stop::End(CallStatus::Completed)),
                },
                digit = self.line.digits.recv() => {
                    if let Some(digit) = digit { let _ = leg.dtmf(digit); }
                }
                played = leg.agent_audio.recv() => match played {
                    Some(frame) => { let _ = self.line.tab.try_send(ToPhone::Audio(frame)); }
                    // The server closed the stream: the next verb runs.
                    None => break None,
                },
                stop = interrupted(self.updates, &mut self.line.hung_up) => break Some(stop),
            }
        };
        let _ = leg.stop().await;
        stop
    }
}

/// Resolves when the call must stop what it does: an update, or the phone hanging up.
async fn interrupted(
    updates: &mut mpsc::Receiver<CallUpdate>,
    hung_up: &mut tokio::sync::oneshot::Receiver<()>,
) -> Stop {
    let update = async {
        loop {
            match updates.recv().await {
                Some(CallUpdate::Complete) => return Stop::End(CallStatus::Completed),
                Some(CallUpdate::Redirect(next)) => return Stop::Redirect(next),
                // `canceled` does not apply to an answered call (Twilio ignores it).
                Some(CallUpdate::Cancel) => continue,
                None => std::future::pending::<()>().await,
            }
        }
    };
    tokio::select! {
        stop = update => stop,
        _ = hung_up => Stop::End(CallStatus::Completed),
    }
}
