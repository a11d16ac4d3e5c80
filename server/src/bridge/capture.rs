//! Capturing a call's raw messages, when the `agent_capture_calls` setting is on, as JSON-lines
//! files that `orderline replay` reads back: `twilio.jsonl` (Twilio's messages as received, the
//! input of `replay twilio-to-openai|twilio-to-gemini`) and `agent.jsonl` (the agent's audio
//! messages as received, the input of `replay openai-to-twilio|gemini-to-twilio`), in
//! `{data dir}/captures/call-{id}/`. They hold the caller's voice: the setting is off by default,
//! the files are readable by the server's user only, and deleting them is the operator's job.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The two capture files of one call.
pub struct Capture {
    twilio: BufWriter<File>,
    agent: BufWriter<File>,
    dir: PathBuf,
    /// Set after a write failed: capturing stops, the call goes on.
    broken: bool,
}

impl Capture {
    /// Creates `{root}/call-{call_id}/` and its files (truncating an earlier capture).
    pub fn create(root: &Path, call_id: i32) -> std::io::Result<Self> {
        let dir = root.join(format!("call-{call_id}"));
        fs::create_dir_all(&dir)?;
        let open = |name: &str| -> std::io::Result<BufWriter<File>> {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            Ok(BufWriter::new(options.open(dir.join(name))?))
        };
        Ok(Capture {
            twilio: open("twilio.jsonl")?,
            agent: open("agent.jsonl")?,
            dir,
            broken: false,
        })
    }

    /// Where the files are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// One message from Twilio.
    pub fn twilio(&mut self, message: &str) {
        let written = write_line(&mut self.twilio, message);
        self.check(written);
    }

    /// One audio message from the agent.
    pub fn agent(&mut self, message: &str) {
        let written = write_line(&mut self.agent, message);
        self.check(written);
    }

    fn check(&mut self, written: std::io::Result<()>) {
        if let (Err(error), false) = (written, self.broken) {
            tracing::warn!(%error, dir = %self.dir.display(), "call capture stopped");
            self.broken = true;
        }
    }
}

/// A JSON message on one line (a message is one JSON value without raw newlines, but a
/// malformed one could hold some: they are escaped so each line stays one message).
fn write_line(out: &mut BufWriter<File>, message: &str) -> std::io::Result<()> {
    if message.contains('\n') {
        out.write_all(message.replace('\n', "\\n").as_bytes())?;
    } else {
        out.write_all(message.as_bytes())?;
    }
    out.write_all(b"\n")
}

impl Drop for Capture {
    fn drop(&mut self) {
        let flushed = self.twilio.flush().and_then(|()| self.agent.flush());
        self.check(flushed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_written_one_per_line_in_private_files() {
        let root = tempfile::tempdir().unwrap();
        let mut capture = Capture::create(root.path(), 7).unwrap();
        capture.twilio(r#"{"event":"connected"}"#);
        capture.twilio("{\"broken\n\"}");
        capture.agent(r#"{"type":"response.output_audio.delta","delta":"AA=="}"#);
        let dir = capture.dir().to_owned();
        drop(capture);
        let twilio = fs::read_to_string(dir.join("twilio.jsonl")).unwrap();
        assert_eq!(twilio, "{\"event\":\"connected\"}\n{\"broken\\n\"}\n");
        let agent = fs::read_to_string(dir.join("agent.jsonl")).unwrap();
        assert_eq!(agent.lines().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join("agent.jsonl"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "no access for others");
        }
    }
}
