//! The phone's loudspeaker, pure: the audio the stream server sent, queued in order with its
//! marks, played out one 20 ms frame (160 mu-law bytes, 8 bytes per ms) per tick. A mark falls
//! due once every byte queued before it has been handed out at an *earlier* tick, that is once
//! that audio has finished playing: marks are never echoed early, and at most one frame late.
//! No clock and no IO here: the leg's task calls [`Playout::tick`] every 20 ms.

use std::collections::VecDeque;

/// mu-law bytes in one 20 ms frame at 8 kHz.
pub const FRAME_BYTES: usize = 160;

/// The most audio kept waiting to play: 5 minutes. Twilio buffers whatever it is sent; past
/// this the sandbox drops the excess (logged by the caller) rather than grow without bound.
pub const MAX_QUEUED_BYTES: usize = 8 * 1000 * 60 * 5;

/// What one tick plays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tick {
    /// Marks whose audio has now played, in the order they were sent.
    pub marks: Vec<String>,
    /// The frame handed to the loudspeaker now (at most [`FRAME_BYTES`]; shorter when the queue
    /// runs dry mid-frame), or `None` when nothing is queued.
    pub frame: Option<Vec<u8>>,
}

/// The queue of audio and marks of one stream.
#[derive(Debug, Default)]
pub struct Playout {
    /// Audio not yet handed out.
    audio: VecDeque<u8>,
    /// Pending marks with their position: the count of bytes ever queued before them.
    marks: VecDeque<(u64, String)>,
    /// Bytes ever queued (kept audio only).
    queued: u64,
    /// Bytes handed out by earlier ticks, so fully played by now.
    played: u64,
}

impl Playout {
    /// An empty loudspeaker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues audio; returns how many bytes were dropped because the queue was full.
    pub fn push_audio(&mut self, mulaw: &[u8]) -> usize {
        let room = MAX_QUEUED_BYTES.saturating_sub(self.audio.len());
        let kept = mulaw.len().min(room);
        self.audio.extend(&mulaw[..kept]);
        self.queued += kept as u64;
        mulaw.len() - kept
    }

    /// Queues a mark after the audio queued so far.
    pub fn push_mark(&mut self, name: String) {
        self.marks.push_back((self.queued, name));
    }

    /// `clear`: drops the audio not yet handed out; returns every pending mark, in order (Twilio
    /// echoes them all at once).
    pub fn clear(&mut self) -> Vec<String> {
        self.audio.clear();
        self.played = self.queued;
        self.marks.drain(..).map(|(_, name)| name).collect()
    }

    /// One 20 ms tick: the marks that fell due, then the next frame.
    pub fn tick(&mut self) -> Tick {
        let mut marks = Vec::new();
        while let Some((position, _)) = self.marks.front() {
            if *position > self.played {
                break;
            }
            if let Some((_, name)) = self.marks.pop_front() {
                marks.push(name);
            }
        }
        let take = self.audio.len().min(FRAME_BYTES);
        let frame = (take > 0).then(|| self.audio.drain(..take).collect::<Vec<u8>>());
        // What is handed out now has played by the next tick.
        self.played += take as u64;
        Tick { marks, frame }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_plays_in_frames_of_160_bytes_in_order() {
        let mut playout = Playout::new();
        let audio: Vec<u8> = (0..400u16).map(|i| (i % 251) as u8).collect();
        playout.push_audio(&audio[..100]);
        playout.push_audio(&audio[100..]);
        let frames: Vec<Vec<u8>> = (0..4).filter_map(|_| playout.tick().frame).collect();
        assert_eq!(
            frames.iter().map(Vec::len).collect::<Vec<_>>(),
            [160, 160, 80]
        );
        assert_eq!(frames.concat(), audio);
    }

    #[test]
    fn a_mark_is_due_the_tick_after_its_audio_was_handed_out_and_not_before() {
        let mut playout = Playout::new();
        playout.push_audio(&[0; 300]);
        playout.push_mark("m1".into());
        playout.push_audio(&[1; 160]);
        playout.push_mark("m2".into());
        let ticks: Vec<Tick> = (0..5).map(|_| playout.tick()).collect();
        let marks: Vec<&[String]> = ticks.iter().map(|t| t.marks.as_slice()).collect();
        // Bytes 0..160 at tick 0, 160..320 at tick 1 (m1's audio ends at 300), 320..460 at 2.
        assert_eq!(
            marks,
            [&[][..], &[], &["m1".to_owned()], &["m2".to_owned()], &[]]
        );
    }

    #[test]
    fn a_mark_with_no_audio_before_it_is_due_at_the_next_tick() {
        let mut playout = Playout::new();
        playout.push_mark("alone".into());
        assert_eq!(playout.tick().marks, ["alone"]);
    }

    #[test]
    fn clear_drops_unplayed_audio_and_returns_all_pending_marks() {
        let mut playout = Playout::new();
        playout.push_audio(&[0; 1000]);
        playout.push_mark("a".into());
        playout.push_audio(&[0; 1000]);
        playout.push_mark("b".into());
        assert!(playout.tick().frame.is_some());
        assert_eq!(playout.clear(), ["a", "b"]);
        assert_eq!(playout.tick(), Tick::default());
        // Audio after a clear plays, and its marks wait for it.
        playout.push_audio(&[2; 10]);
        playout.push_mark("c".into());
        assert_eq!(playout.tick().frame, Some(vec![2; 10]));
        assert_eq!(playout.tick().marks, ["c"]);
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut playout = Playout::new();
        assert_eq!(playout.push_audio(&vec![0; MAX_QUEUED_BYTES + 5]), 5);
        assert_eq!(playout.push_audio(&[0; 3]), 3);
        let mut handed = 0;
        while let Some(frame) = playout.tick().frame {
            handed += frame.len();
        }
        assert_eq!(handed, MAX_QUEUED_BYTES);
    }
}
