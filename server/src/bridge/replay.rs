//! `orderline replay`: runs one [`Transcoder`] over JSON lines, as the live bridge would over
//! WebSocket messages. Each line is one message; each output message is written as one line as
//! soon as it is produced, and nothing is flushed at the end that a live stream would not have
//! sent. Output is buffered, and flushed whenever the input has nothing more ready (so an
//! interactive pipe sees each answer at once, and a file is not written line by line).
//! Malformed lines are logged on stderr and skipped.
//!
//! A regular file on stdin is mapped in memory rather than read: copying 40 MB of capture out
//! of the page cache costs the kernel more CPU than transcoding it (see [`run_file`]).

use super::transcode::{Direction, Messages, OpenAiAudio, Transcoder};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Buffer size for both ends: large enough that reading and writing cost few system calls.
const BUFFER: usize = 1 << 20;

/// What a replay went through.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReplayStats {
    /// Lines read.
    pub lines: u64,
    /// Lines skipped as malformed.
    pub skipped: u64,
    /// Messages written.
    pub written: u64,
}

/// Replays `input` through `transcoder` and writes its messages to `output`.
pub fn run(
    transcoder: &mut Transcoder,
    input: impl Read,
    output: impl Write,
) -> std::io::Result<ReplayStats> {
    let mut replay = Replay::new(transcoder, output);
    replay.read(Vec::new(), input)?;
    replay.finish()
}

/// Replays the regular file `file` from its current offset, like [`run`], but maps it in memory
/// instead of copying it out with `read`; whatever is appended after it was mapped is read as
/// usual. Another process truncating the file meanwhile would crash the replay (`SIGBUS`), as
/// with any mapped file: a capture is not written while it is replayed.
pub fn run_file(
    transcoder: &mut Transcoder,
    mut file: &File,
    output: impl Write,
) -> std::io::Result<ReplayStats> {
    let offset = file.stream_position()?;
    // SAFETY: the map is only read, and only while the file is not truncated (see above).
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file)? };
    let mapped = map.get(offset as usize..).unwrap_or_default();
    let mut replay = Replay::new(transcoder, output);
    let unfinished = replay.lines(mapped)?.to_vec();
    file.seek(SeekFrom::Start(offset + mapped.len() as u64))?;
    replay.read(unfinished, file)?;
    replay.finish()
}

/// Replays stdin to stdout: through [`run_file`] when stdin is a regular file, else [`run`].
pub fn run_stdin(transcoder: &mut Transcoder) -> std::io::Result<ReplayStats> {
    let stdout = std::io::stdout().lock();
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let file = File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
        if file.metadata()?.is_file() {
            return run_file(transcoder, &file, stdout);
        }
    }
    run(transcoder, std::io::stdin().lock(), stdout)
}

/// One replay in progress: the transcoder, the output and the counts.
struct Replay<'t, W: Write> {
    transcoder: &'t mut Transcoder,
    writer: BufWriter<W>,
    messages: Messages,
    stats: ReplayStats,
}

impl<'t, W: Write> Replay<'t, W> {
    fn new(transcoder: &'t mut Transcoder, output: W) -> Self {
        Self {
            transcoder,
            writer: BufWriter::with_capacity(BUFFER, output),
            messages: Messages::new(),
            stats: ReplayStats::default(),
        }
    }

    /// Replays every line of `input`, the first one starting with `unfinished`; flushes the
    /// output before waiting for more input. Lines are taken from the read buffer in place.
    fn read(&mut self, mut unfinished: Vec<u8>, input: impl Read) -> std::io::Result<()> {
        let mut reader = BufReader::with_capacity(BUFFER, input);
        loop {
            if reader.buffer().is_empty() {
                self.writer.flush()?;
            }
            let buffer = reader.fill_buf()?;
            let read = buffer.len();
            if read == 0 {
                break;
            }
            match memchr::memchr(b'\n', buffer) {
                None => unfinished.extend_from_slice(buffer),
                Some(end) => {
                    unfinished.extend_from_slice(&buffer[..end]);
                    self.line(&unfinished)?;
                    unfinished.clear();
                    let rest = self.lines(&buffer[end + 1..])?;
                    unfinished.extend_from_slice(rest);
                }
            }
            reader.consume(read);
        }
        if !unfinished.is_empty() {
            self.line(&unfinished)?;
        }
        Ok(())
    }

    /// Replays every complete line of `bytes` and returns what follows the last newline.
    /// The input ahead of the line being replayed is fetched into the CPU's cache meanwhile
    /// ([`prefetch`]), so that finding the next newline does not wait for memory.
    fn lines<'b>(&mut self, bytes: &'b [u8]) -> std::io::Result<&'b [u8]> {
        let (mut at, mut fetched) = (0, 0);
        while let Some(end) = memchr::memchr(b'\n', &bytes[at..]) {
            let end = at + end;
            fetched = prefetch(bytes, fetched.max(end), end + AHEAD);
            self.line(&bytes[at..end])?;
            at = end + 1;
        }
        Ok(&bytes[at..])
    }

    /// Replays one line (without its newline).
    fn line(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.stats.lines += 1;
        let Ok(text) = simdutf8::basic::from_utf8(line) else {
            self.stats.skipped += 1;
            tracing::warn!(line = self.stats.lines, "skipped: not UTF-8");
            return Ok(());
        };
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            return Ok(());
        }
        self.messages.clear();
        if let Err(error) = self.transcoder.push(text, &mut self.messages) {
            self.stats.skipped += 1;
            tracing::warn!(line = self.stats.lines, %error, "skipped");
            return Ok(());
        }
        for message in self.messages.iter() {
            self.writer.write_all(message.as_bytes())?;
            self.writer.write_all(b"\n")?;
            self.stats.written += 1;
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<ReplayStats> {
        self.writer.flush()?;
        Ok(self.stats)
    }
}

/// How far past the current line [`Replay::lines`] fetches its input ahead: a few lines of
/// provider audio (about 6 KB each), fetched from memory while the current one is transcoded.
const AHEAD: usize = 16 << 10;

/// Asks the CPU to bring `bytes[from..to]` (clamped to its length) into its cache, one 64-byte
/// cache line at a time, without waiting for it; returns where the fetched part ends. A hint:
/// no effect on what is computed, none at all on CPUs other than x86-64.
fn prefetch(bytes: &[u8], from: usize, to: usize) -> usize {
    let to = to.min(bytes.len());
    #[cfg(target_arch = "x86_64")]
    for at in (from..to).step_by(64) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86-64; a prefetch reads nothing the program sees and never
        // faults, and `at` is inside `bytes` anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(bytes[at..].as_ptr().cast()) };
    }
    to.max(from)
}

/// Parses the arguments after `replay`: a direction, then optionally `--openai-audio pcm|pcmu`
/// and `--stream-sid SID` (for the outbound `media` messages; default the corpus' SID).
pub fn parse_args(args: &[String]) -> Result<(Direction, OpenAiAudio, String), String> {
    let mut args = args.iter().map(String::as_str);
    let direction = match args.next() {
        Some("twilio-to-openai") => Direction::TwilioToOpenAi,
        Some("twilio-to-gemini") => Direction::TwilioToGemini,
        Some("openai-to-twilio") => Direction::OpenAiToTwilio,
        Some("gemini-to-twilio") => Direction::GeminiToTwilio,
        other => return Err(format!("unknown direction {other:?}")),
    };
    let mut audio = OpenAiAudio::Pcm;
    let mut stream_sid = DEFAULT_STREAM_SID.to_owned();
    while let Some(flag) = args.next() {
        match (flag, args.next()) {
            ("--openai-audio", Some("pcm")) => audio = OpenAiAudio::Pcm,
            ("--openai-audio", Some("pcmu")) => audio = OpenAiAudio::Pcmu,
            ("--stream-sid", Some(sid)) => stream_sid = sid.to_owned(),
            (flag, value) => return Err(format!("unexpected argument {flag} {value:?}")),
        }
    }
    Ok((direction, audio, stream_sid))
}

/// The stream SID of the benchmark corpus (and of the pipecat peer's output).
pub const DEFAULT_STREAM_SID: &str = "MZ00000000000000000000000000000001";

/// The usage line of the subcommand.
pub const USAGE: &str = "orderline replay <twilio-to-openai|twilio-to-gemini|openai-to-twilio|gemini-to-twilio> [--openai-audio pcm|pcmu] [--stream-sid SID]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_are_skipped_and_the_rest_is_written_line_by_line() {
        let frame = "gICA".repeat(40); // 160 bytes of 0x80
        let media =
            format!(r#"{{"event":"media","streamSid":"MZ1","media":{{"payload":"{frame}"}}}}"#);
        let input = format!("{media}\nnot json\n\n{media}\r\n");
        let mut transcoder =
            Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcmu, "MZ1").unwrap();
        let mut output = Vec::new();
        let stats = run(&mut transcoder, input.as_bytes(), &mut output).unwrap();
        assert_eq!(
            stats,
            ReplayStats {
                lines: 4,
                skipped: 1,
                written: 2
            }
        );
        let text = String::from_utf8(output).unwrap();
        let expected = format!(r#"{{"type":"input_audio_buffer.append","audio":"{frame}"}}"#);
        assert_eq!(text, format!("{expected}\n{expected}\n"));
    }

    #[test]
    fn a_mapped_file_replays_from_its_offset_like_a_stream_and_ends_without_a_newline() {
        let frame = "gICA".repeat(40);
        let media =
            format!(r#"{{"event":"media","streamSid":"MZ1","media":{{"payload":"{frame}"}}}}"#);
        let input = format!("skipped by the caller\n{media}\nnot json\n\n{media}");
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(input.as_bytes()).unwrap();
        file.seek(SeekFrom::Start(22)).unwrap();
        let mut transcoder =
            Transcoder::new(Direction::TwilioToOpenAi, OpenAiAudio::Pcmu, "MZ1").unwrap();
        let mut mapped = Vec::new();
        let stats = run_file(&mut transcoder, &file, &mut mapped).unwrap();
        let mut streamed = Vec::new();
        let expected = run(&mut transcoder, &input.as_bytes()[22..], &mut streamed).unwrap();
        assert_eq!(stats, expected);
        assert_eq!(stats.written, 2);
        assert_eq!(mapped, streamed);
    }

    #[test]
    fn arguments_name_the_direction_and_the_openai_audio_format() {
        let args = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let (direction, audio, sid) =
            parse_args(&args("openai-to-twilio --openai-audio pcmu")).unwrap();
        assert_eq!(
            (direction, audio),
            (Direction::OpenAiToTwilio, OpenAiAudio::Pcmu)
        );
        assert_eq!(sid, DEFAULT_STREAM_SID);
        let (direction, _, sid) = parse_args(&args("gemini-to-twilio --stream-sid MZ9")).unwrap();
        assert_eq!(
            (direction, sid.as_str()),
            (Direction::GeminiToTwilio, "MZ9")
        );
        assert!(parse_args(&args("twilio-to-openai --openai-audio wav")).is_err());
        assert!(parse_args(&args("sideways")).is_err());
    }
}
