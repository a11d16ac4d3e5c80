//! Sealing secret settings at rest with ChaCha20-Poly1305 under `ORDERLINE_SECRET_KEY`. The
//! setting's name is the associated data, so a sealed value cannot be moved to another key.
//! Stored form: `v1:` + base64(12-byte nonce || ciphertext and tag).

use crate::config::SecretKey;
use app::api::SettingKey;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

const PREFIX: &str = "v1:";

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the stored secret is not in the v1 format")]
    Format,
    #[error("the stored secret does not open with this ORDERLINE_SECRET_KEY (changed key, or tampered value)")]
    Open,
    #[error("encryption failed")]
    Seal,
}

fn cipher(key: &SecretKey) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key.bytes()))
}

/// Encrypts `plaintext` for `setting`.
pub fn seal(key: &SecretKey, setting: SettingKey, plaintext: &str) -> Result<String, CryptoError> {
    seal_labelled(key, setting.as_str(), plaintext)
}

/// Decrypts a value sealed for `setting`.
pub fn open(key: &SecretKey, setting: SettingKey, stored: &str) -> Result<String, CryptoError> {
    open_labelled(key, setting.as_str(), stored)
}

/// Encrypts `plaintext` bound to `label` (the associated data), for secrets kept outside the
/// settings table (e.g. the sandbox's auth token); a label must not collide with a setting key.
pub fn seal_labelled(key: &SecretKey, label: &str, plaintext: &str) -> Result<String, CryptoError> {
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: plaintext.as_bytes(),
        aad: label.as_bytes(),
    };
    let ciphertext = cipher(key)
        .encrypt(&nonce, payload)
        .map_err(|_| CryptoError::Seal)?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&ciphertext);
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Decrypts a value sealed by [`seal_labelled`] with the same `label`.
pub fn open_labelled(key: &SecretKey, label: &str, stored: &str) -> Result<String, CryptoError> {
    let encoded = stored.strip_prefix(PREFIX).ok_or(CryptoError::Format)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| CryptoError::Format)?;
    if bytes.len() < 12 + 16 {
        return Err(CryptoError::Format);
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let payload = Payload {
        msg: ciphertext,
        aad: label.as_bytes(),
    };
    let plaintext = cipher(key)
        .decrypt(Nonce::from_slice(nonce), payload)
        .map_err(|_| CryptoError::Open)?;
    String::from_utf8(plaintext).map_err(|_| CryptoError::Format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_setting_only() {
        let key = SecretKey::generate();
        let sealed = seal(
            &key,
            SettingKey::TwilioAuthToken,
            "0123456789abcdef0123456789abcdef",
        )
        .unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("0123456789abcdef"));
        assert_eq!(
            open(&key, SettingKey::TwilioAuthToken, &sealed).unwrap(),
            "0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            open(&key, SettingKey::OpenAiApiKey, &sealed),
            Err(CryptoError::Open)
        );
        assert_eq!(
            open(&SecretKey::generate(), SettingKey::TwilioAuthToken, &sealed),
            Err(CryptoError::Open)
        );
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let key = SecretKey::generate();
        let a = seal(&key, SettingKey::GeminiApiKey, "same").unwrap();
        let b = seal(&key, SettingKey::GeminiApiKey, "same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn tampered_or_malformed_values_are_refused() {
        let key = SecretKey::generate();
        let sealed = seal(&key, SettingKey::GeminiApiKey, "secret").unwrap();
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(
            &key,
            SettingKey::GeminiApiKey,
            &String::from_utf8(tampered).unwrap()
        )
        .is_err());
        assert_eq!(
            open(&key, SettingKey::GeminiApiKey, "plain"),
            Err(CryptoError::Format)
        );
    }
}
