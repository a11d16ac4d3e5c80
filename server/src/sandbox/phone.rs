//! The softphones: browser tabs on `/sandbox/phone`, each holding one phone number, and the
//! calls ringing them. [`Phones`] is where the call engine (`engine`) rings a number and where a
//! softphone's WebSocket (`phone_ws`) answers, declines or hangs up. It knows nothing of Twilio's
//! wire formats: it moves mu-law frames, digits and typed events.
//!
//! A number may be open in several tabs: all of them ring, the first to answer takes the call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, oneshot};

/// 20 ms frames buffered toward a phone's speaker or from its microphone (2 s).
pub const AUDIO_FRAMES: usize = 100;
/// Events buffered toward one softphone tab.
const EVENTS: usize = 256;

/// What a softphone tab is told.
#[derive(Debug, Clone, PartialEq)]
pub enum ToPhone {
    /// A call rings this number.
    Ringing { call_sid: String, from: String },
    /// The call stopped ringing here (answered elsewhere, canceled, timed out).
    RingStopped { call_sid: String },
    /// This tab answered `call_sid`: audio flows.
    Connected { call_sid: String },
    /// The call this tab holds ended.
    Ended { call_sid: String, status: String },
    /// The call says something (TwiML `<Say>`), shown as a caption.
    Caption { text: String },
    /// Agent audio to play: mu-law 8 kHz.
    Audio(Vec<u8>),
    /// Something about texts changed for this number: read the inbox again.
    Inbox,
}

/// How a ringing phone answered.
#[derive(Debug)]
pub enum Answer {
    /// Picked up: the line to talk on.
    Picked(PhoneLine),
    /// Declined (Twilio reports `busy`).
    Declined,
}

/// The engine's side of an answered call.
#[derive(Debug)]
pub struct PhoneLine {
    /// The phone's microphone, mu-law 8 kHz (any length, usually 20 ms).
    pub microphone: mpsc::Receiver<Vec<u8>>,
    /// Keypad digits.
    pub digits: mpsc::Receiver<char>,
    /// Resolves when the phone hangs up (or its tab closes).
    pub hung_up: oneshot::Receiver<()>,
    /// Toward the tab: audio, captions, the end.
    pub tab: mpsc::Sender<ToPhone>,
}

/// The tab's side of an answered call.
#[derive(Debug)]
pub struct TabLine {
    pub call_sid: String,
    pub microphone: mpsc::Sender<Vec<u8>>,
    pub digits: mpsc::Sender<char>,
    /// Dropped or fired on hang-up.
    pub hang_up: oneshot::Sender<()>,
}

struct Ringing {
    number: String,
    from: String,
    answer: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Inner {
    /// Open tabs by number: (tab id, its event queue).
    tabs: HashMap<String, Vec<(u64, mpsc::Sender<ToPhone>)>>,
    ringing: HashMap<String, Ringing>,
    next_tab: u64,
}

/// Every softphone tab of this server and the calls ringing them (cheap to clone).
#[derive(Clone, Default)]
pub struct Phones {
    inner: Arc<Mutex<Inner>>,
}

/// One open tab; it leaves [`Phones`] when dropped.
pub struct Tab {
    phones: Phones,
    pub id: u64,
    pub number: String,
    pub events: mpsc::Receiver<ToPhone>,
}

impl Drop for Tab {
    fn drop(&mut self) {
        let mut inner = self.phones.lock();
        if let Some(tabs) = inner.tabs.get_mut(&self.number) {
            tabs.retain(|(id, _)| *id != self.id);
            if tabs.is_empty() {
                inner.tabs.remove(&self.number);
            }
        }
    }
}

impl Phones {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens a tab for `number` (E.164); it is told of calls already ringing that number.
    pub fn open(&self, number: &str) -> Tab {
        let (sender, events) = mpsc::channel(EVENTS);
        let mut inner = self.lock();
        inner.next_tab += 1;
        let id = inner.next_tab;
        for (call_sid, ringing) in &inner.ringing {
            if ringing.number == number {
                let _ = sender.try_send(ToPhone::Ringing {
                    call_sid: call_sid.clone(),
                    from: ringing.from.clone(),
                });
            }
        }
        inner
            .tabs
            .entry(number.to_owned())
            .or_default()
            .push((id, sender));
        Tab {
            phones: self.clone(),
            id,
            number: number.to_owned(),
            events,
        }
    }

    /// Whether any tab holds `number`.
    pub fn is_open(&self, number: &str) -> bool {
        self.lock().tabs.contains_key(number)
    }

    /// Tells every tab of `number`.
    pub fn tell(&self, number: &str, event: ToPhone) {
        let inner = self.lock();
        for (_, tab) in inner.tabs.get(number).into_iter().flatten() {
            if tab.try_send(event.clone()).is_err() {
                tracing::debug!("a softphone tab is not keeping up; event dropped");
            }
        }
    }

    /// Rings `number` for `call_sid`: resolves with the first answer. Dropping the receiver (the
    /// engine gave up: timeout, cancel) should be followed by [`stop_ringing`](Self::stop_ringing).
    pub fn ring(&self, number: &str, call_sid: &str, from: &str) -> oneshot::Receiver<Answer> {
        let (answer, answered) = oneshot::channel();
        self.lock().ringing.insert(
            call_sid.to_owned(),
            Ringing {
                number: number.to_owned(),
                from: from.to_owned(),
                answer,
            },
        );
        self.tell(
            number,
            ToPhone::Ringing {
                call_sid: call_sid.to_owned(),
                from: from.to_owned(),
            },
        );
        answered
    }

    /// The call stops ringing (answered, declined, timed out or canceled).
    pub fn stop_ringing(&self, call_sid: &str) {
        let removed = self.lock().ringing.remove(call_sid);
        if let Some(ringing) = removed {
            self.tell(
                &ringing.number,
                ToPhone::RingStopped {
                    call_sid: call_sid.to_owned(),
                },
            );
        }
    }

    /// A tab answers `call_sid`: None when it no longer rings (another tab was first).
    pub fn answer(&self, tab: &Tab, call_sid: &str) -> Option<TabLine> {
        let ringing = self.take_ringing(&tab.number, call_sid)?;
        let (microphone, mic_rx) = mpsc::channel(AUDIO_FRAMES);
        let (digits, digits_rx) = mpsc::channel(16);
        let (hang_up, hung_up) = oneshot::channel();
        let sender = {
            let inner = self.lock();
            inner
                .tabs
                .get(&tab.number)
                .and_then(|tabs| tabs.iter().find(|(id, _)| *id == tab.id))
                .map(|(_, sender)| sender.clone())
        }?;
        let line = PhoneLine {
            microphone: mic_rx,
            digits: digits_rx,
            hung_up,
            tab: sender,
        };
        ringing.answer.send(Answer::Picked(line)).ok()?;
        self.stop_ringing_others(&tab.number, call_sid);
        Some(TabLine {
            call_sid: call_sid.to_owned(),
            microphone,
            digits,
            hang_up,
        })
    }

    /// A tab declines `call_sid`: every tab of the number stops ringing.
    pub fn decline(&self, tab: &Tab, call_sid: &str) {
        if let Some(ringing) = self.take_ringing(&tab.number, call_sid) {
            let _ = ringing.answer.send(Answer::Declined);
            self.stop_ringing_others(&tab.number, call_sid);
        }
    }

    fn take_ringing(&self, number: &str, call_sid: &str) -> Option<Ringing> {
        let mut inner = self.lock();
        match inner.ringing.get(call_sid) {
            Some(ringing) if ringing.number == number => inner.ringing.remove(call_sid),
            _ => None,
        }
    }

    fn stop_ringing_others(&self, number: &str, call_sid: &str) {
        self.tell(
            number,
            ToPhone::RingStopped {
                call_sid: call_sid.to_owned(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_tab_to_answer_takes_the_call_and_the_others_stop_ringing() {
        let phones = Phones::default();
        let mut first = phones.open("+33612345678");
        let mut second = phones.open("+33612345678");
        let answered = phones.ring("+33612345678", "CA1", "+15550100");
        for tab in [&mut first, &mut second] {
            assert_eq!(
                tab.events.recv().await,
                Some(ToPhone::Ringing {
                    call_sid: "CA1".into(),
                    from: "+15550100".into()
                })
            );
        }
        let line = phones.answer(&second, "CA1").expect("answered");
        assert!(phones.answer(&first, "CA1").is_none(), "taken already");
        let Ok(Answer::Picked(mut engine_side)) = answered.await else {
            panic!("not picked")
        };
        line.microphone.send(vec![0xff; 160]).await.unwrap();
        assert_eq!(engine_side.microphone.recv().await, Some(vec![0xff; 160]));
        engine_side
            .tab
            .send(ToPhone::Caption { text: "hi".into() })
            .await
            .unwrap();
        let mut seen = Vec::new();
        while let Ok(event) = second.events.try_recv() {
            seen.push(event);
        }
        assert!(seen.contains(&ToPhone::Caption { text: "hi".into() }));
        assert_eq!(
            first.events.recv().await,
            Some(ToPhone::RingStopped {
                call_sid: "CA1".into()
            })
        );
        drop(line);
        assert!(engine_side.hung_up.await.is_err(), "hang-up seen as a drop");
    }

    #[tokio::test]
    async fn declining_resolves_the_ring_and_closed_tabs_leave() {
        let phones = Phones::default();
        let tab = phones.open("+33600000001");
        let answered = phones.ring("+33600000001", "CA2", "+15550100");
        let other = phones.open("+33600000002");
        phones.decline(&other, "CA2");
        phones.decline(&tab, "CA2");
        assert!(matches!(answered.await, Ok(Answer::Declined)));
        drop(tab);
        assert!(!phones.is_open("+33600000001"));
        assert!(phones.is_open("+33600000002"));
    }

    #[tokio::test]
    async fn a_tab_opened_while_a_call_rings_is_told() {
        let phones = Phones::default();
        let _answered = phones.ring("+33600000003", "CA3", "+15550100");
        let mut late = phones.open("+33600000003");
        assert!(matches!(
            late.events.recv().await,
            Some(ToPhone::Ringing { call_sid, .. }) if call_sid == "CA3"
        ));
        phones.stop_ringing("CA3");
        assert!(matches!(
            late.events.recv().await,
            Some(ToPhone::RingStopped { .. })
        ));
    }
}
