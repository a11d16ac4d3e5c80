//! The demo agent's voice: text to mu-law 8 kHz through Debian's `espeak-ng`, run as a child
//! process on a blocking thread (with a timeout; killed when the line is dropped), its WAV
//! parsed (`wav`) and resampled (`sound`) on that thread too, never on the async runtime. When espeak-ng is absent, fails or times out, the
//! agent chimes instead ([`sound::chime`]): a demo call must never go silent.

use super::lines::Lang;
use super::{sound, wav};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long one line may take to synthesize (espeak-ng takes about 0.1 s per sentence).
pub const SYNTHESIS_TIMEOUT: Duration = Duration::from_secs(10);
/// espeak-ng's speed, in words per minute (its default, 175, is hurried on a phone line).
const WORDS_PER_MINUTE: &str = "165";

/// How the demo agent turns its lines into sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Voice {
    /// Speech from this espeak-ng program (the chime when it cannot run).
    Espeak { program: PathBuf },
    /// The chime for every line, without trying speech (tests; machines without espeak-ng).
    Chime,
}

impl Default for Voice {
    /// `espeak-ng` looked up on `PATH` when a line is said.
    fn default() -> Self {
        Voice::Espeak {
            program: PathBuf::from("espeak-ng"),
        }
    }
}

/// Why espeak-ng gave no speech (logged; the chime plays instead).
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("espeak-ng failed: {0}")]
    Failed(String),
    #[error("espeak-ng took longer than {0:?}")]
    Timeout(Duration),
    #[error("espeak-ng wrote no usable WAV: {0}")]
    Wav(#[from] wav::WavError),
    #[error(transparent)]
    Sound(#[from] sound::SoundError),
    #[error("espeak-ng wrote no audio")]
    Empty,
}

/// `text` said by `voice` in `lang`, as mu-law 8 kHz; the chime when speech fails.
pub async fn synthesize(voice: &Voice, lang: Lang, text: &str) -> Vec<u8> {
    let Voice::Espeak { program } = voice else {
        return sound::chime();
    };
    match espeak(program, lang, text).await {
        Ok(mulaw) => mulaw,
        Err(error) => {
            tracing::warn!(%error, "the demo agent chimes instead of speaking");
            sound::chime()
        }
    }
}

/// The espeak-ng process of one line, killed when the line is dropped (barge-in, timeout, the
/// session's end) before it has finished.
#[derive(Default, Clone)]
struct Running(Arc<Mutex<Option<Child>>>);

impl Running {
    fn set(&self, child: Option<Child>) -> Option<Child> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *slot, child)
    }
}

/// Kills the process left in [`Running`] when the synthesis is given up.
struct KillOnDrop(Running);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.set(None) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs espeak-ng on `text` and converts its WAV. The process and the conversion run on a
/// blocking thread (the runtime is never blocked); `text` goes on stdin, so no argument can be
/// mistaken for an option.
pub async fn espeak(program: &Path, lang: Lang, text: &str) -> Result<Vec<u8>, SpeechError> {
    let running = Running::default();
    let _kill = KillOnDrop(running.clone());
    let (program, text) = (program.to_owned(), text.to_owned());
    let work = tokio::task::spawn_blocking(move || {
        let wav = run_espeak(&program, lang, &text, &running)?;
        let audio = wav::parse(&wav)?;
        Ok::<_, SpeechError>(sound::to_mulaw_8k(&audio.samples, audio.sample_rate)?)
    });
    let converted = tokio::time::timeout(SYNTHESIS_TIMEOUT, work)
        .await
        .map_err(|_| SpeechError::Timeout(SYNTHESIS_TIMEOUT))?
        .map_err(|e| SpeechError::Failed(e.to_string()))??;
    if converted.is_empty() {
        return Err(SpeechError::Empty);
    }
    Ok(converted)
}

/// The WAV espeak-ng writes for `text` (blocking).
fn run_espeak(
    program: &Path,
    lang: Lang,
    text: &str,
    running: &Running,
) -> Result<Vec<u8>, SpeechError> {
    let mut child = Command::new(program)
        .args([
            "-v",
            lang.espeak_voice(),
            "-s",
            WORDS_PER_MINUTE,
            "--stdout",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SpeechError::Spawn {
            program: program.display().to_string(),
            source,
        })?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    running.set(Some(child));
    if let Some(mut stdin) = stdin {
        // A failed write shows as a failed exit below.
        let _ = stdin.write_all(text.as_bytes());
    }
    let failed = |e: std::io::Error| SpeechError::Failed(e.to_string());
    let mut wav = Vec::new();
    if let Some(mut stdout) = stdout {
        stdout.read_to_end(&mut wav).map_err(failed)?;
    }
    let mut messages = String::new();
    if let Some(mut stderr) = stderr {
        let _ = stderr.read_to_string(&mut messages);
    }
    let Some(mut child) = running.set(None) else {
        return Err(SpeechError::Failed("stopped".into()));
    };
    let status = child.wait().map_err(failed)?;
    if !status.success() {
        return Err(SpeechError::Failed(format!(
            "{status}: {}",
            messages.trim()
        )));
    }
    Ok(wav)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::g711;

    fn espeak_installed() -> bool {
        std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| dir.join("espeak-ng").is_file())
        })
    }

    /// The loudest decoded sample.
    fn peak(mulaw: &[u8]) -> i16 {
        mulaw
            .iter()
            .map(|&c| g711::decode(c).saturating_abs())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn espeak_ng_speaks_a_line_as_mu_law_at_8_khz() {
        if !espeak_installed() {
            eprintln!("espeak-ng is not installed (apt-get install espeak-ng): skipped");
            return;
        }
        let program = PathBuf::from("espeak-ng");

        let english = espeak(&program, Lang::En, "Your driver will be Paul.").await;
        let french = espeak(&program, Lang::Fr, "Votre livreur sera Paul.").await;

        for mulaw in [english.expect("english"), french.expect("french")] {
            // About 1.5 s of speech: far longer than the chime's 0.54 s, and loud.
            assert!(mulaw.len() > 8_000, "{} samples", mulaw.len());
            assert!(peak(&mulaw) > 4_000, "peak {}", peak(&mulaw));
            assert_ne!(mulaw, sound::chime());
        }
    }

    #[tokio::test]
    async fn a_missing_program_is_a_spawn_error_and_the_agent_chimes() {
        let missing = PathBuf::from("/nonexistent/espeak-ng");
        let voice = Voice::Espeak {
            program: missing.clone(),
        };

        let error = espeak(&missing, Lang::En, "Hello").await;
        let said = synthesize(&voice, Lang::En, "Hello").await;

        assert!(matches!(error, Err(SpeechError::Spawn { .. })), "{error:?}");
        assert_eq!(said, sound::chime());
    }

    #[tokio::test]
    async fn a_program_that_writes_no_wav_falls_back_to_the_chime() {
        // `true` exits at once with nothing on stdout.
        let voice = Voice::Espeak {
            program: PathBuf::from("true"),
        };
        let error = espeak(Path::new("true"), Lang::En, "Hello").await;
        assert!(matches!(error, Err(SpeechError::Wav(_))), "{error:?}");
        assert_eq!(synthesize(&voice, Lang::En, "Hello").await, sound::chime());
    }

    #[tokio::test]
    async fn the_chime_voice_never_runs_a_program() {
        assert_eq!(
            synthesize(&Voice::Chime, Lang::Fr, "Bonjour").await,
            sound::chime()
        );
    }
}
