//! Authentication: argon2id passwords (hashed off the async runtime), database-backed sessions,
//! the login lockout, first-admin bootstrap, and the `AuthPort` implementation.

mod argon;
pub mod lockout;
pub mod password;
mod service;
pub mod session;

pub use service::{
    bootstrap, check_new_account, prune_login_attempts, random_token, sha256_hex,
    spawn_attempt_pruning, AuthService, SETUP_LINK_LIFETIME_MINUTES,
};
