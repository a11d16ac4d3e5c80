//! The call engine: what the emulated Twilio does with a call once `POST .../Calls.json` stored
//! it, as Twilio runs it. It dials (status `initiated`), rings the softphones of the `To` number
//! (`ringing`; `no-answer` after the ring timeout, `busy` when declined, `canceled` when ended
//! while ringing), and once answered (`in-progress`) fetches the voice URL (signed) or takes the
//! inline TwiML, and runs its verbs (`verbs`): `<Connect><Stream>` opens a real Media Streams
//! WebSocket (`sandbox::stream`), `<Say>` speaks, `<Pause>` waits, `<Hangup/>` ends. Each status
//! change asked for in `StatusCallbackEvent` is a signed request to `StatusCallback`, with
//! `SequenceNumber`, `CallDuration` and `AnsweredBy`. `POST .../Calls/{sid}.json` reaches a
//! running call through [`Engine::update`]: new TwiML or URL (the current verb stops), or an end.

mod verbs;

use super::callbacks::SignedPoster;
use super::phone::{Answer, Phones, ToPhone};
use super::rest::{CallEngine, CallUpdate};
use super::store::{CallStatus, CallbackEvent, SandboxStore};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest a sandbox call rings, whatever `Timeout` asked (Twilio allows 600 s).
pub const MAX_RING: Duration = Duration::from_secs(60);

/// Runs the sandbox's calls (cheap to clone).
#[derive(Clone)]
pub struct Engine {
    store: SandboxStore,
    phones: Phones,
    poster: SignedPoster,
    running: Arc<Mutex<HashMap<String, mpsc::Sender<CallUpdate>>>>,
}

impl Engine {
    /// An engine over `store`, ringing `phones`, signing with `poster`.
    pub fn new(store: SandboxStore, phones: Phones, poster: SignedPoster) -> Self {
        Engine {
            store,
            phones,
            poster,
            running: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<CallUpdate>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl CallEngine for Engine {
    /// Starts the stored call `call_sid` (it runs on its own task).
    fn start(&self, call_sid: &str) {
        let (updates, receiver) = mpsc::channel(8);
        self.lock().insert(call_sid.to_owned(), updates);
        let engine = self.clone();
        let sid = call_sid.to_owned();
        tokio::spawn(async move {
            engine.run(&sid, receiver).await;
            engine.lock().remove(&sid);
        });
    }

    /// Passes `update` to the running call `call_sid` (ignored when it is not running).
    fn update(&self, call_sid: &str, update: CallUpdate) {
        let sender = self.lock().get(call_sid).cloned();
        if let Some(sender) = sender {
            let _ = sender.try_send(update);
        }
    }
}

impl Engine {
    async fn run(&self, sid: &str, mut updates: mpsc::Receiver<CallUpdate>) {
        let Some(call) = self.store.call(sid) else {
            return;
        };
        let mut progress = Progress::new(self.clone(), sid);
        progress.report(CallbackEvent::Initiated, None).await;
        progress
            .report(CallbackEvent::Ringing, Some(CallStatus::Ringing))
            .await;
        let ring = Duration::from_secs(call.params.timeout_seconds.into()).min(MAX_RING);
        let answered = self.phones.ring(&call.to, sid, &call.from);
        let line = tokio::select! {
            answer = answered => match answer {
                Ok(Answer::Picked(line)) => line,
                Ok(Answer::Declined) => return progress.end(CallStatus::Busy).await,
                Err(_) => return progress.end(CallStatus::NoAnswer).await,
            },
            () = tokio::time::sleep(ring) => {
                self.phones.stop_ringing(sid);
                return progress.end(CallStatus::NoAnswer).await;
            }
            () = next_end(&mut updates) => {
                // Ended before it was answered: Twilio reports `canceled` either way.
                self.phones.stop_ringing(sid);
                return progress.end(CallStatus::Canceled).await;
            }
        };
        if call.params.machine_detection.is_some() {
            self.store
                .update_call(sid, |call| call.answered_by = Some("human".into()));
        }
        progress
            .report(CallbackEvent::Answered, Some(CallStatus::InProgress))
            .await;
        let status = verbs::Runner {
            engine: self,
            call_sid: sid,
            line,
            updates: &mut updates,
        }
        .run(call.params.instructions.clone())
        .await;
        progress.end(status).await;
    }
}

/// While ringing, only an end matters (the redirect of a call not yet answered is ignored).
async fn next_end(updates: &mut mpsc::Receiver<CallUpdate>) {
    loop {
        match updates.recv().await {
            Some(CallUpdate::Cancel | CallUpdate::Complete) => return,
            Some(CallUpdate::Redirect(_)) => continue,
            // The engine is gone: nothing will end this ring but its timeout.
            None => std::future::pending::<()>().await,
        }
    }
}

/// The status callbacks of one call, numbered.
struct Progress {
    engine: Engine,
    sid: String,
    sequence: u32,
}

impl Progress {
    fn new(engine: Engine, sid: &str) -> Self {
        Progress {
            engine,
            sid: sid.to_owned(),
            sequence: 0,
        }
    }

    /// Moves the call to `status` (if any) and sends `event`'s callback if it was asked for.
    async fn report(&mut self, event: CallbackEvent, status: Option<CallStatus>) {
        let store = &self.engine.store;
        if let Some(status) = status {
            store.set_call_status(&self.sid, status);
        }
        let Some(call) = store.call(&self.sid) else {
            return;
        };
        let Some(url) = call.params.status_callback.clone() else {
            return;
        };
        if !call.params.status_callback_events.contains(&event) {
            return;
        }
        let callback_status = match event {
            CallbackEvent::Initiated => "initiated",
            _ => call.status.as_str(),
        };
        let mut params = voice_params(&call, callback_status);
        params.extend([
            ("CallbackSource".into(), "call-progress-events".into()),
            ("SequenceNumber".into(), self.sequence.to_string()),
            ("Timestamp".into(), super::store::rfc2822(Utc::now())),
        ]);
        if let Some(duration) = call.duration_seconds() {
            params.push(("CallDuration".into(), duration.to_string()));
            params.push(("Duration".into(), ((duration + 59) / 60).to_string()));
        } else if call.status.is_terminal() {
            params.push(("CallDuration".into(), "0".into()));
        }
        self.sequence += 1;
        let method = call.params.status_callback_method;
        if let Err(error) = self.engine.poster.send(method, &url, &params).await {
            tracing::warn!(call_sid = %self.sid, %error, "sandbox: a status callback failed");
        }
    }

    /// Ends the call with `status` and reports it (Twilio's `completed` event covers them all).
    async fn end(mut self, status: CallStatus) {
        let to = self.engine.store.call(&self.sid).map(|call| call.to);
        if let Some((_, true)) = self.engine.store.set_call_status(&self.sid, status) {
            if let Some(to) = to {
                self.engine.phones.tell(
                    &to,
                    ToPhone::Ended {
                        call_sid: self.sid.clone(),
                        status: status.as_str().to_owned(),
                    },
                );
            }
            self.report(CallbackEvent::Completed, None).await;
        }
    }
}

/// The parameters Twilio sends with every voice request about `call`.
fn voice_params(call: &super::store::Call, status: &str) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = vec![
        ("AccountSid".into(), call.account_sid.clone()),
        ("ApiVersion".into(), "2010-04-01".into()),
        ("CallSid".into(), call.sid.clone()),
        ("CallStatus".into(), status.to_owned()),
        ("Called".into(), call.to.clone()),
        ("Caller".into(), call.from.clone()),
        ("Direction".into(), "outbound-api".into()),
        ("From".into(), call.from.clone()),
        ("To".into(), call.to.clone()),
    ];
    if let Some(answered_by) = &call.answered_by {
        params.push(("AnsweredBy".into(), answered_by.clone()));
    }
    params
}
