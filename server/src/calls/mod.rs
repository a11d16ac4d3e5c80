//! Outbound calls: the status ordering rule (`status`), the [`CallsService`] that implements
//! the app's `CallsPort` (it records each call before asking Twilio, maps Twilio's refusals to
//! plain words, enforces the simultaneous-call limit, and publishes every change to the hub), the
//! single status `writer`, the `reconciler` that settles calls whose callbacks were lost, the
//! call's `agent` (its provider session and bridge once the Media Stream is authenticated), the
//! registry of `live` bridges (so Hang up reaches them), and the `journal` a call's bridge
//! writes (transcript, the agent's `tools` and their effect on the order, usage and latency).

pub mod agent;
pub mod journal;
pub mod live;
pub mod media_token;
pub mod reconciler;
mod service;
pub mod status;
mod supervisor;
pub mod tools;
pub mod writer;

pub use journal::Journal;
pub(crate) use service::twilio_client;
pub use service::{public_base_url, CallsService};
