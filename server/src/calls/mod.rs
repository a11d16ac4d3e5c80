//! Outbound calls: the status ordering rule (`status`), the [`CallsService`] that implements
//! the app's `CallsPort` (it records each call before asking Twilio, maps Twilio's refusals to
//! plain words, enforces the simultaneous-call limit, and publishes every change to the hub), the
//! single status `writer`, and the `reconciler` that settles calls whose callbacks were lost.

pub mod agent;
pub mod journal;
pub mod live;
pub mod media_token;
pub mod reconciler;
mod service;
pub mod status;
mod supervisor;
pub mod writer;

pub use service::{public_base_url, CallsService};
