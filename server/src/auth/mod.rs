//! Authentication: argon2id passwords (hashed off the async runtime), database-backed sessions,
//! the login lockout, first-admin bootstrap, and the `AuthPort` implementation.

pub mod lockout;
pub mod password;
mod service;
pub mod session;

pub use service::{bootstrap, check_new_account, random_token, sha256_hex, AuthService};
