//! `orderline replay`: runs one [`Transcoder`] over JSON lines, as the live bridge would over
//! WebSocket messages. Each line is one message; each output message is written as one line as
//! soon as it is produced, and nothing is flushed at the end that a live stream would not have
//! sent. Output is buffered, and flushed whenever the input has nothing more ready (so an
//! interactive pipe sees each answer at once, and a file is not written line by line).
//! Malformed lines are logged on stderr and skipped.

use super::transcode::{Direction, Messages, OpenAiAudio, Transcoder};
use std::io::{BufRead, BufReader, Read, Write};

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

/// Replays `input` through a transcoder for `direction` and writes its messages to `output`.
pub fn run(
    transcoder: &mut Transcoder,
    input: impl Read,
    output: impl Write,
) -> std::io::Result<ReplayStats> {
    let mut reader = BufReader::with_capacity(BUFFER, input);
    let mut writer = std::io::BufWriter::with_capacity(BUFFER, output);
    let mut line = Vec::new();
    let mut messages = Messages::new();
    let mut stats = ReplayStats::default();
    loop {
        if reader.buffer().is_empty() {
            writer.flush()?;
        }
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        stats.lines += 1;
        let Ok(text) = std::str::from_utf8(&line) else {
            stats.skipped += 1;
            tracing::warn!(line = stats.lines, "skipped: not UTF-8");
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        messages.clear();
        if let Err(error) = transcoder.push(text, &mut messages) {
            stats.skipped += 1;
            tracing::warn!(line = stats.lines, %error, "skipped");
            continue;
        }
        for message in messages.iter() {
            writer.write_all(message.as_bytes())?;
            writer.write_all(b"\n")?;
            stats.written += 1;
        }
    }
    writer.flush()?;
    Ok(stats)
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
