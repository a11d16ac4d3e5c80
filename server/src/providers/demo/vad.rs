//! The demo agent's ears: an energy voice-activity detector over 20 ms frames of the caller's
//! decoded audio. Pure and synchronous (no tokio): frames in, turn starts and ends out.
//!
//! Each frame's energy in dBFS is compared with an adaptive noise floor. A frame is loud when it
//! is [`START_MARGIN_DB`] above the floor (and above [`MIN_SPEECH_DBFS`], so a silent line with a
//! floor near digital silence does not turn a faint hiss into speech); once the caller speaks,
//! the smaller [`STAY_MARGIN_DB`] keeps the turn through soft syllables. A turn starts after
//! [`START_FRAMES`] loud frames in a row (80 ms: clicks and pops are shorter) and ends after
//! [`END_FRAMES`] quiet ones (660 ms: the pauses inside a sentence are shorter).
//!
//! The floor follows quiet frames, down quickly (a quieter line shows at once) and up slowly
//! (about 0.4 s), so a noisier line raises it without a false turn; during a turn it creeps up
//! with a time constant of about 4 s, so a lasting step in the noise ends the "turn" instead of
//! holding it open forever. The first frame sets the floor, but never above
//! [`INITIAL_FLOOR_DBFS`], so a call that starts mid-word is still heard.

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
/// Milliseconds per frame.
pub const FRAME_MS: u32 = 20;
/// Loud frames in a row that start a turn.
pub const START_FRAMES: u32 = 4;
/// Quiet frames in a row that end a turn.
pub const END_FRAMES: u32 = 33;
/// How far above the floor a frame must be to start a turn.
pub const START_MARGIN_DB: f32 = 10.0;
/// How far above the floor a frame must be to continue a turn.
pub const STAY_MARGIN_DB: f32 = 6.0;
/// No frame quieter than this is speech, whatever the floor (mu-law's quietest steps are
/// around -70 dBFS; a quiet voice on a phone line is above -45 dBFS).
pub const MIN_SPEECH_DBFS: f32 = -55.0;
/// The highest floor the first frame may set (a quiet phone line is below it).
pub const INITIAL_FLOOR_DBFS: f32 = -50.0;
/// The energy of digital silence (log of zero) is counted as this.
const SILENCE_DBFS: f32 = -100.0;
/// Floor smoothing per quiet frame when the frame is below it, above it, and during a turn.
const FLOOR_DOWN: f32 = 0.3;
const FLOOR_UP: f32 = 0.05;
const FLOOR_UP_IN_TURN: f32 = 0.005;

/// A change in the caller's turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    /// The caller started speaking (reported [`START_FRAMES`] frames after the first loud one).
    Started,
    /// The caller stopped: `speech_ms` from their first loud frame to their last.
    Stopped { speech_ms: u32 },
}

/// The energy of `samples` in dB relative to a full-scale square wave.
pub fn frame_dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return SILENCE_DBFS;
    }
    let power: f64 = samples
        .iter()
        .map(|&s| f64::from(s) * f64::from(s))
        .sum::<f64>()
        / samples.len() as f64;
    let full_scale = 32768.0 * 32768.0;
    if power <= 0.0 {
        return SILENCE_DBFS;
    }
    ((10.0 * (power / full_scale).log10()) as f32).max(SILENCE_DBFS)
}

/// An energy VAD for one call's caller audio.
#[derive(Debug, Clone, Default)]
pub struct Vad {
    /// The noise floor in dBFS; `None` before the first frame.
    floor_db: Option<f32>,
    /// Loud frames in a row while not in a turn.
    loud_run: u32,
    /// The caller's turn, once started.
    turn: Option<Turn>,
}

/// Counters of a turn in progress, in frames since its first loud frame.
#[derive(Debug, Clone, Copy)]
struct Turn {
    elapsed: u32,
    last_loud: u32,
    quiet_run: u32,
}

impl Vad {
    /// A detector that has heard nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current noise floor in dBFS (`None` before the first frame).
    pub fn floor_dbfs(&self) -> Option<f32> {
        self.floor_db
    }

    /// Whether the caller is in a turn.
    pub fn in_turn(&self) -> bool {
        self.turn.is_some()
    }

    /// Takes one 20 ms frame ([`FRAME_SAMPLES`] samples) and tells when a turn starts or ends.
    pub fn push_frame(&mut self, samples: &[i16]) -> Option<VadEvent> {
        let level = frame_dbfs(samples);
        let floor = *self.floor_db.get_or_insert(level.min(INITIAL_FLOOR_DBFS));
        let margin = if self.turn.is_some() {
            STAY_MARGIN_DB
        } else {
            START_MARGIN_DB
        };
        let loud = level >= MIN_SPEECH_DBFS && level >= floor + margin;
        match &mut self.turn {
            None => {
                if loud {
                    self.loud_run += 1;
                } else {
                    self.loud_run = 0;
                    self.adapt(level, FLOOR_UP);
                }
                (self.loud_run >= START_FRAMES).then(|| {
                    self.turn = Some(Turn {
                        elapsed: self.loud_run,
                        last_loud: self.loud_run,
                        quiet_run: 0,
                    });
                    self.loud_run = 0;
                    VadEvent::Started
                })
            }
            Some(turn) => {
                turn.elapsed += 1;
                if loud {
                    turn.last_loud = turn.elapsed;
                    turn.quiet_run = 0;
                } else {
                    turn.quiet_run += 1;
                }
                let ended = (turn.quiet_run >= END_FRAMES).then_some(turn.last_loud);
                self.adapt(level, FLOOR_UP_IN_TURN);
                ended.map(|frames| {
                    self.turn = None;
                    VadEvent::Stopped {
                        speech_ms: frames * FRAME_MS,
                    }
                })
            }
        }
    }

    /// Moves the floor towards `level`: quickly down, by `up` when up.
    fn adapt(&mut self, level: f32, up: f32) {
        if let Some(floor) = &mut self.floor_db {
            let rate = if level < *floor { FLOOR_DOWN } else { up };
            *floor += rate * (level - *floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One frame of a `hz` tone at `dbfs` (RMS relative to full-scale square), phase from `n`.
    fn tone(hz: f32, dbfs: f32, n: &mut usize) -> Vec<i16> {
        let amplitude = 32768.0 * 10f32.powf(dbfs / 20.0) * std::f32::consts::SQRT_2;
        (0..FRAME_SAMPLES)
            .map(|_| {
                *n += 1;
                let phase = std::f32::consts::TAU * hz * *n as f32 / 8000.0;
                (amplitude * phase.sin()) as i16
            })
            .collect()
    }

    /// Feeds `frames` frames of `dbfs` (a 440 Hz tone; below -90, digital silence).
    fn feed(vad: &mut Vad, frames: usize, dbfs: f32, n: &mut usize) -> Vec<(usize, VadEvent)> {
        (0..frames)
            .filter_map(|i| {
                let frame = if dbfs < -90.0 {
                    vec![0; FRAME_SAMPLES]
                } else {
                    tone(440.0, dbfs, n)
                };
                vad.push_frame(&frame).map(|event| (i, event))
            })
            .collect()
    }

    #[test]
    fn frame_energy_is_measured_in_dbfs() {
        let mut n = 0;
        assert!((frame_dbfs(&tone(1000.0, -20.0, &mut n)) + 20.0).abs() < 0.3);
        assert_eq!(frame_dbfs(&[0; FRAME_SAMPLES]), -100.0);
        assert!((frame_dbfs(&[i16::MIN; 4])).abs() < 0.01);
    }

    #[test]
    fn a_call_that_starts_with_speech_is_heard() {
        let mut vad = Vad::new();
        let mut n = 0;
        assert_eq!(feed(&mut vad, 10, -20.0, &mut n), [(3, VadEvent::Started)]);
    }

    #[test]
    fn silence_never_starts_a_turn() {
        let mut vad = Vad::new();
        let mut n = 0;
        assert_eq!(feed(&mut vad, 500, -100.0, &mut n), []);
        assert!(!vad.in_turn());
    }

    #[test]
    fn a_tone_burst_is_one_turn_started_after_80_ms_and_ended_after_660_ms_of_quiet() {
        let mut vad = Vad::new();
        let mut n = 0;
        assert_eq!(feed(&mut vad, 25, -100.0, &mut n), []);

        let started = feed(&mut vad, 50, -20.0, &mut n);
        let stopped = feed(&mut vad, 50, -100.0, &mut n);

        assert_eq!(
            started,
            [(3, VadEvent::Started)],
            "after the 4th loud frame"
        );
        assert_eq!(
            stopped,
            [(32, VadEvent::Stopped { speech_ms: 1000 })],
            "after the 33rd quiet frame, with the burst's own length"
        );
    }

    #[test]
    fn short_clicks_and_pauses_inside_a_sentence_do_not_cut_turns() {
        let mut vad = Vad::new();
        let mut n = 0;
        feed(&mut vad, 10, -100.0, &mut n);
        for _ in 0..5 {
            feed(&mut vad, 3, -15.0, &mut n); // 60 ms clicks
            feed(&mut vad, 10, -100.0, &mut n);
        }
        assert!(!vad.in_turn(), "60 ms clicks are not speech");

        let mut events = feed(&mut vad, 20, -25.0, &mut n);
        events.extend(feed(&mut vad, 25, -100.0, &mut n)); // a 500 ms pause
        events.extend(feed(&mut vad, 20, -25.0, &mut n));
        events.extend(feed(&mut vad, 40, -100.0, &mut n));

        let kinds: Vec<VadEvent> = events.into_iter().map(|(_, e)| e).collect();
        assert_eq!(
            kinds,
            [VadEvent::Started, VadEvent::Stopped { speech_ms: 1300 }]
        );
    }

    #[test]
    fn the_noise_floor_follows_a_noisy_line_so_only_speech_above_it_is_a_turn() {
        let mut vad = Vad::new();
        let mut n = 0;
        feed(&mut vad, 25, -100.0, &mut n);

        // The line gets noisy (a step of 55 dB): at most one false turn while the floor climbs.
        let noise = feed(&mut vad, 600, -45.0, &mut n);
        let floor = vad.floor_dbfs().unwrap_or_default();
        let later_noise = feed(&mut vad, 300, -45.0, &mut n);
        let barely_louder = feed(&mut vad, 50, -40.0, &mut n);
        let speech = feed(&mut vad, 30, -25.0, &mut n);
        let after = feed(&mut vad, 40, -45.0, &mut n);

        assert!(noise.len() <= 2, "{noise:?}");
        assert!(
            (floor + 45.0).abs() < 1.0,
            "the floor reached the noise: {floor}"
        );
        assert_eq!(later_noise, [], "steady noise is not speech");
        assert_eq!(barely_louder, [], "5 dB above the floor is not speech");
        assert_eq!(speech, [(3, VadEvent::Started)]);
        assert_eq!(after, [(32, VadEvent::Stopped { speech_ms: 600 })]);
    }

    #[test]
    fn the_floor_drops_at_once_when_the_line_gets_quiet_again() {
        let mut vad = Vad::new();
        let mut n = 0;
        feed(&mut vad, 25, -100.0, &mut n);
        feed(&mut vad, 600, -40.0, &mut n);
        assert!(!vad.in_turn());
        feed(&mut vad, 20, -70.0, &mut n);
        let floor = vad.floor_dbfs().unwrap_or_default();
        assert!(floor < -69.0, "{floor}");

        let events = feed(&mut vad, 10, -45.0, &mut n);
        assert_eq!(
            events,
            [(3, VadEvent::Started)],
            "-45 dBFS is speech on a quiet line"
        );
    }
}
