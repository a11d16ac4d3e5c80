//! Twilio: the REST client (`client`), webhook signatures (`signature`), TwiML (`twiml`) and the
//! Media Streams message types (`media`). Pure modules have no IO.

pub mod client;
pub mod media;
pub mod messages;
pub mod signature;
pub mod twiml;

pub use client::{TwilioClient, TwilioError};
