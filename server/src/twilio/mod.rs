//! Twilio: the REST client (`client`). Webhooks, TwiML and Media Streams come with the calls issue.

pub mod client;

pub use client::{TwilioClient, TwilioError};
