//! Integration tests: each test starts the real server on 127.0.0.1:0 with a fresh database
//! (SQLite in a temp dir, or a new PostgreSQL database when ORDERLINE_TEST_PG_URL is set) and
//! talks HTTP to it like a browser or a shop system would. One binary for all of them.

#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "setup helpers panic when the test environment is broken"
)]

mod account;
mod api_orders;
mod auth;
mod call_safety;
mod calls;
mod fake_messages;
mod fakes;
mod helpers;
mod journal;
mod lockout;
mod operations;
mod orders;
mod processes;
mod providers;
mod sandbox;
mod sandbox_call;
mod sandbox_stream;
mod security;
mod settings;
mod setup;
mod sms;
mod users;
