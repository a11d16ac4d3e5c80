#![recursion_limit = "256"]
//! The Orderline server: everything with IO. It implements the `app` crate's port traits over the
//! database, serves the Leptos app with server-side rendering, and hosts the JSON API.
//!
//! Layout:
//! - `config`: the typed environment, loaded once at start.
//! - `db`: connection, migrations, entities and one repository module per aggregate.
//! - `auth`: passwords, sessions, login rate limiting and the first-admin setup.
//! - `orders`: parsing and validating orders, CSV import, demo data.
//! - `users`: accounts and API tokens.
//! - `settings`: Settings > Connections (typed keys, env > database > default, sealed secrets).
//! - `calls`, `webhooks`, `realtime`: outbound calls, Twilio's webhooks, the live status hub.
//! - `twilio`, `providers`: clients of the external services (tests point their URLs at fakes).
//! - `audio`: pure sample work for the call bridge (G.711, PCM16, resampling, per-call paths).
//! - `bridge`: the call bridge; so far its per-message transcoder and `orderline replay`.
//! - `http`: the axum router, the error type, middleware and JSON endpoints.
//! - `drain`: graceful shutdown (readiness, refusing new work, the calls' grace period).
//! - `startup`: builds the application on a bound listener (tests use port 0).

pub mod audio;
pub mod auth;
pub mod bridge;
pub mod calls;
pub mod config;
pub mod db;
pub mod drain;
pub mod http;
pub mod metrics;
pub mod orders;
pub mod phone;
pub mod providers;
pub mod realtime;
pub mod sandbox;
pub mod settings;
pub mod sms;
pub mod startup;
pub mod twilio;
pub mod users;
pub mod webhooks;
