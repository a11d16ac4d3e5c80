//! Server functions: thin adapters that extract the session, call a port and map the error.
//! No business logic lives here (it is in the `server` crate behind the ports).

pub mod account;
pub mod auth;
pub mod calls;
pub mod orders;
pub mod sandbox;
pub mod settings;
pub mod sms;
pub mod users;
