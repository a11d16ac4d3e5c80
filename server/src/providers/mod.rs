//! External providers: the AI voice sessions of the audio bridge behind one channel handle
//! (`session`), their wire formats (`openai`, `gemini`), what the agent is told (`script`), the
//! handshakes shared with "Test connection" (`handshake`), and `network`: the plain words for a
//! failed connection, shared with the Twilio client and the settings checks.

pub mod gemini;
pub mod handshake;
pub mod network;
pub mod openai;
pub mod script;
pub mod session;
