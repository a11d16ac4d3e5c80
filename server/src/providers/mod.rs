//! AI voice providers. For now the session handshakes used by "Test connection"; the realtime
//! sessions of the audio bridge come with the bridge issue.

pub mod handshake;
