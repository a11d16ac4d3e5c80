//! Password hashing with argon2id. Hashing is CPU-heavy (and works in 19 MiB of memory), so it
//! runs in `spawn_blocking` behind a [`Hasher`]: a few slots, taken without waiting, so a flood
//! of sign-in or setup requests is answered "busy" at once instead of queueing hashes on the
//! blocking pool. Each slot hashes in working memory the hasher keeps for it (see `auth::argon`), so
//! hashing memory stays at slots × 19 MiB. An unknown user is checked against a dummy hash so it
//! costs the same time as a wrong password.

use super::argon::{InMemory, Memory};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = app::api::PASSWORD_MIN_LENGTH;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Every hashing permit is taken; the caller answers at once rather than queueing.
    #[error("every password-hashing slot is busy")]
    Busy,
}

/// How long a refused caller is told to wait: a hash takes well under a second.
pub const BUSY_RETRY_AFTER_SECONDS: u32 = 1;

/// Busy is an answer (503 with `Retry-After`); other failures are server faults, logged here and
/// answered as a plain internal error.
impl From<PasswordError> for app::api::ApiError {
    fn from(error: PasswordError) -> Self {
        if let PasswordError::Busy = error {
            return app::api::ApiError::Busy {
                retry_after_seconds: BUSY_RETRY_AFTER_SECONDS,
            };
        }
        tracing::error!(%error, "password hashing error");
        app::api::ApiError::Internal
    }
}

/// The only way to run argon2: at most `permits` hashes at once, process-wide (the services share
/// one through clones). A permit is taken with `try_acquire`, never awaited, and moves into the
/// blocking task, so it stays held until the hash really ends even when the request is dropped.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Working memory of the slots not in use: never more sets than permits, made on first need.
    idle_memory: Arc<Mutex<Vec<Memory>>>,
}

impl Hasher {
    /// A gate of `permits` concurrent hashes (0 refuses every hash).
    pub fn new(permits: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(permits)),
            idle_memory: Arc::default(),
        }
    }

    /// Takes a hashing slot now, or answers `Busy` without waiting.
    pub fn slot(&self) -> Result<HashSlot, PasswordError> {
        let permit = Arc::clone(&self.permits)
            .try_acquire_owned()
            .map_err(|_| PasswordError::Busy)?;
        let memory = self
            .idle_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        Ok(HashSlot {
            memory,
            idle_memory: Arc::clone(&self.idle_memory),
            _permit: permit,
        })
    }

    /// Hashes a password in a slot taken now (see [`HashSlot::hash`]), or `Busy` at once.
    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        self.slot()?.hash(password).await
    }

    /// Verifies a password in a slot taken now (see [`HashSlot::verify`]), or `Busy` at once.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.slot()?.verify(password, stored).await
    }
}

/// One taken permit of a [`Hasher`], good for one hash. Sign-in takes it before any other work,
/// so a request that finds the gate full costs nothing more (not even a database query).
#[derive(Debug)]
pub struct HashSlot {
    /// This slot's working memory (None until its first hash makes it).
    memory: Option<Memory>,
    /// Where the memory goes back when the slot is dropped.
    idle_memory: Arc<Mutex<Vec<Memory>>>,
    /// Held, never read: dropped after the memory went back, it frees the slot.
    _permit: OwnedSemaphorePermit,
}

impl Drop for HashSlot {
    fn drop(&mut self) {
        if let Some(memory) = self.memory.take() {
            self.idle_memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(memory);
        }
    }
}

impl HashSlot {
    fn memory(&mut self) -> &mut Memory {
        self.memory.get_or_insert_with(Memory::for_default_params)
    }

    /// Hashes a password (argon2id, default parameters, random salt).
    pub async fn hash(mut self, password: SecretString) -> Result<String, PasswordError> {
        tokio::task::spawn_blocking(move || hash_blocking(self.memory(), &password)).await?
    }

    /// Verifies a password against a stored hash, or against the dummy hash when `stored` is
    /// None, so both paths take the same time. Returns false for None.
    pub async fn verify(
        mut self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        tokio::task::spawn_blocking(move || verify_blocking(self.memory(), &password, stored))
            .await?
    }
}

/// A hash of a password nobody knows, verified when the user does not exist (made by the first
/// such check, in its slot's memory).
static DUMMY_HASH: OnceLock<String> = OnceLock::new();

/// Checks the password policy; returns the message for the "password" field.
pub fn check_policy(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if password.len() > 1024 {
        return Err("must be at most 1024 bytes".into());
    }
    Ok(())
}

fn hash_blocking(memory: &mut Memory, password: &SecretString) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    InMemory::new(memory)
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

fn verify_blocking(
    memory: &mut Memory,
    password: &SecretString,
    stored: Option<String>,
) -> Result<bool, PasswordError> {
    let known = stored.is_some();
    let hash_text = match stored {
        Some(text) => text,
        None => DUMMY_HASH
            .get_or_init(|| {
                let dummy = SecretString::from("dummy password for timing");
                hash_blocking(memory, &dummy).unwrap_or_default()
            })
            .clone(),
    };
    let parsed = PasswordHash::new(&hash_text).map_err(|e| PasswordError::Hash(e.to_string()))?;
    let matches = InMemory::new(memory)
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok();
    Ok(known && matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Hasher::new(2);
        let hash = hasher
            .hash(SecretString::from("correct horse"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher
            .verify(SecretString::from("correct horse"), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("wrong horse"), Some(hash))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        let verified = Hasher::new(1)
            .verify(SecretString::from("dummy password for timing"), None)
            .await
            .unwrap();
        assert!(!verified);
    }

    #[tokio::test]
    async fn a_full_gate_answers_busy_at_once_and_frees_its_permit_after_a_hash() {
        let hasher = Hasher::new(1);
        let held = hasher.slot().unwrap();
        let refused = hasher.hash(SecretString::from("any password")).await;
        assert!(matches!(refused, Err(PasswordError::Busy)), "{refused:?}");
        let refused = hasher
            .verify(SecretString::from("any password"), None)
            .await;
        assert!(matches!(refused, Err(PasswordError::Busy)), "{refused:?}");
        drop(held);
        hasher
            .hash(SecretString::from("any password"))
            .await
            .unwrap();
        assert_eq!(
            hasher.permits.available_permits(),
            1,
            "the permit came back"
        );
    }

    #[tokio::test]
    async fn slots_reuse_their_working_memory_instead_of_allocating_per_hash() {
        let hasher = Hasher::new(2);
        for _ in 0..3 {
            hasher
                .hash(SecretString::from("any password"))
                .await
                .unwrap();
        }
        let idle = hasher.idle_memory.lock().unwrap().len();
        assert_eq!(idle, 1, "one set of memory served three hashes in turn");
        let (first, second) = (hasher.slot().unwrap(), hasher.slot().unwrap());
        let check = |slot: HashSlot| slot.verify(SecretString::from("x"), None);
        let (a, b) = tokio::join!(check(first), check(second));
        assert!(!a.unwrap() && !b.unwrap());
        let idle = hasher.idle_memory.lock().unwrap().len();
        assert_eq!(idle, 2, "never more sets than slots");
    }

    #[test]
    fn busy_is_answered_as_503_not_as_an_internal_error() {
        let error = app::api::ApiError::from(PasswordError::Busy);
        assert_eq!(error.status_code(), 503);
        assert_eq!(error.retry_after_seconds(), Some(BUSY_RETRY_AFTER_SECONDS));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("long enough").is_ok());
    }
}
