//! argon2 over working memory the caller keeps. The `argon2` crate's own `PasswordHasher`
//! allocates its 19 MiB of blocks for every hash and frees them after; glibc then raises its mmap
//! threshold and serves the next ones from the heap, where a flood of small request allocations
//! keeps them from being returned (a flood of sign-ins grew the server to 400 MB). Here the
//! blocks are lent by the caller (`password::Hasher` keeps one set per hashing slot), and
//! everything else is the crate's: the PHC string format, the parameters read from a stored hash,
//! and the constant-time comparison of `PasswordVerifier`, which every `PasswordHasher` gets.
//! Pure and synchronous; no IO.

use argon2::password_hash::{self, Decimal, Ident, Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version};
use std::cell::RefCell;

/// Working memory for one hash at a time: the blocks of the default parameters (19 MiB), grown
/// when a stored hash asks for more.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// Blocks for the default parameters.
    pub fn for_default_params() -> Self {
        Memory(vec![Block::default(); Params::default().block_count()])
    }

    fn at_least(&mut self, blocks: usize) -> &mut [Block] {
        if self.0.len() < blocks {
            self.0.resize(blocks, Block::default());
        }
        &mut self.0[..blocks]
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} blocks)", self.0.len())
    }
}

/// argon2 (default algorithm, version and parameters for new hashes) hashing in borrowed memory.
pub struct InMemory<'m> {
    memory: RefCell<&'m mut Memory>,
}

impl<'m> InMemory<'m> {
    /// Hashes in `memory`.
    pub fn new(memory: &'m mut Memory) -> Self {
        InMemory {
            memory: RefCell::new(memory),
        }
    }
}

impl PasswordHasher for InMemory<'_> {
    type Params = Params;

    fn hash_password<'a>(
        &self,
        password: &[u8],
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        self.hash_password_customized(password, None, None, Params::default(), salt)
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let salt = salt.into();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut memory = self.memory.borrow_mut();
        let blocks = memory.at_least(params.block_count());
        let output = Output::init_with(output_len, |out| {
            Ok(argon.hash_password_into_with_memory(password, salt_bytes, out, &mut *blocks)?)
        })?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{rand_core::OsRng, PasswordVerifier, SaltString};

    #[test]
    fn hashes_match_the_crates_own_both_ways() {
        let mut memory = Memory::for_default_params();
        let ours = InMemory::new(&mut memory);
        let salt = SaltString::generate(&mut OsRng);
        let mine = ours.hash_password(b"correct horse", &salt).unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap();
        assert_eq!(mine.to_string(), theirs.to_string());
        assert!(Argon2::default()
            .verify_password(b"correct horse", &mine)
            .is_ok());
        assert!(ours.verify_password(b"correct horse", &theirs).is_ok());
        assert!(ours.verify_password(b"wrong horse", &theirs).is_err());
    }

    #[test]
    fn reused_memory_gives_the_same_hash_and_grows_for_larger_parameters() {
        let mut memory = Memory::for_default_params();
        let salt = SaltString::generate(&mut OsRng);
        let first = InMemory::new(&mut memory)
            .hash_password(b"pw one", &salt)
            .unwrap()
            .to_string();
        InMemory::new(&mut memory)
            .hash_password(b"pw two", &salt)
            .unwrap();
        let again = InMemory::new(&mut memory)
            .hash_password(b"pw one", &salt)
            .unwrap()
            .to_string();
        assert_eq!(first, again);

        let bigger = Params::new(Params::DEFAULT_M_COST + 64, 1, 1, None).unwrap();
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, bigger)
            .hash_password(b"pw", &salt)
            .unwrap();
        assert!(InMemory::new(&mut memory)
            .verify_password(b"pw", &stored)
            .is_ok());
        assert_eq!(memory.0.len(), (Params::DEFAULT_M_COST + 64) as usize);
    }
}
