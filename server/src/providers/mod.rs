//! External providers. For now the AI voice session handshakes used by "Test connection" (the
//! realtime sessions of the audio bridge come with the bridge issue), and `network`: the plain
//! words for a failed connection, shared with the Twilio client and the settings checks.

pub mod handshake;
pub mod network;
