//! The sandbox account: the Account SID, auth token and phone number the emulated Twilio accepts.
//! Generated once and kept in the `sandbox_account` table (one row), the token sealed with the
//! server's secret key, so a restart keeps the credentials Orderline was configured with; or
//! taken from the environment (`TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN` with `TWILIO_SANDBOX=1`),
//! which the caller reads. This module never logs the token and its `Debug` hides it.

use crate::config::SecretKey;
use crate::settings::crypto::{self, CryptoError};
use chrono::Utc;
use rand::Rng;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use secrecy::{ExposeSecret, SecretString};

/// The associated data the token is sealed under (not a setting key, so it cannot be moved
/// into the settings table).
const SEAL_LABEL: &str = "sandbox_auth_token";

/// The one row's id.
const ROW_ID: i32 = 1;

/// The sandbox's Twilio account.
#[derive(Clone)]
pub struct SandboxCredentials {
    /// `AC` + 32 lower-case hex digits.
    pub account_sid: String,
    /// 32 hex digits; HTTP Basic password and the webhook signing key.
    pub auth_token: SecretString,
    /// The account's one number, E.164, in the +1 555 01xx range reserved for fiction.
    pub phone_number: String,
}

impl std::fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .field("phone_number", &self.phone_number)
            .finish()
    }
}

/// Why the credentials could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("sandbox account: database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("sandbox account: the stored auth token cannot be opened: {0}")]
    Crypto(#[from] CryptoError),
    #[error("sandbox account: {0}")]
    Invalid(String),
}

/// `sandbox_account`: the one stored account (entity local to this module).
mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sandbox_account")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub account_sid: String,
        #[sea_orm(column_type = "Text")]
        pub auth_token_sealed: String,
        pub phone_number: String,
        pub created_at: DateTimeUtc,
    }

    /// Never prints the sealed token.
    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SandboxAccount")
                .field("account_sid", &self.account_sid)
                .finish_non_exhaustive()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `n` random lower-case hex digits.
pub fn random_hex(n: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..n)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Whether `sid` is `prefix` followed by 32 hex digits (Twilio's SID pattern).
pub fn is_sid(sid: &str, prefix: &str) -> bool {
    sid.len() == 34 && sid.starts_with(prefix) && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `number` is E.164: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

impl SandboxCredentials {
    /// A new random account: `AC` + 32 hex, a 32-hex token, and +1 201 555 01xx.
    pub fn generate() -> Self {
        let line: u8 = rand::rngs::OsRng.gen_range(0..100);
        SandboxCredentials {
            account_sid: format!("AC{}", random_hex(32)),
            auth_token: SecretString::from(random_hex(32)),
            phone_number: format!("+1201555{:04}", 100 + u16::from(line)),
        }
    }

    /// The account given by the environment (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and the
    /// phone number, with `TWILIO_SANDBOX=1`); the SID and number are checked, not the token's form.
    pub fn from_env_values(
        account_sid: &str,
        auth_token: SecretString,
        phone_number: &str,
    ) -> Result<Self, CredentialsError> {
        if !is_sid(account_sid.trim(), "AC") {
            return Err(CredentialsError::Invalid(
                "TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits".to_owned(),
            ));
        }
        if auth_token.expose_secret().trim().is_empty() {
            return Err(CredentialsError::Invalid(
                "TWILIO_AUTH_TOKEN is empty".to_owned(),
            ));
        }
        if !is_e164(phone_number.trim()) {
            return Err(CredentialsError::Invalid(format!(
                "the sandbox phone number must be E.164 (+ and digits), not {phone_number:?}"
            )));
        }
        Ok(SandboxCredentials {
            account_sid: account_sid.trim().to_owned(),
            auth_token: SecretString::from(auth_token.expose_secret().trim().to_owned()),
            phone_number: phone_number.trim().to_owned(),
        })
    }

    /// The stored account, or a new one generated and stored on first use. Two instances
    /// starting together agree: the insert of the second fails and it reads the first's row.
    pub async fn load_or_create(
        db: &DatabaseConnection,
        key: &SecretKey,
    ) -> Result<Self, CredentialsError> {
        if let Some(row) = entity::Entity::find_by_id(ROW_ID).one(db).await? {
            return Self::from_row(row, key);
        }
        let fresh = Self::generate();
        let sealed = crypto::seal_labelled(key, SEAL_LABEL, fresh.auth_token.expose_secret())?;
        let row = entity::ActiveModel {
            id: Set(ROW_ID),
            account_sid: Set(fresh.account_sid.clone()),
            auth_token_sealed: Set(sealed),
            phone_number: Set(fresh.phone_number.clone()),
            created_at: Set(Utc::now()),
        };
        match row.insert(db).await {
            Ok(_) => Ok(fresh),
            Err(insert_error) => match entity::Entity::find_by_id(ROW_ID).one(db).await? {
                // Another instance stored its account first: use that one.
                Some(row) => Self::from_row(row, key),
                None => Err(insert_error.into()),
            },
        }
    }

    fn from_row(row: entity::Model, key: &SecretKey) -> Result<Self, CredentialsError> {
        let token = crypto::open_labelled(key, SEAL_LABEL, &row.auth_token_sealed)?;
        Ok(SandboxCredentials {
            account_sid: row.account_sid,
            auth_token: SecretString::from(token),
            phone_number: row.phone_number,
        })
    }

    /// Whether `account_sid` and `token` are this account's (the token compared in constant time).
    pub fn accepts(&self, account_sid: &str, token: &str) -> bool {
        let expected = self.auth_token.expose_secret().as_bytes();
        let given = token.as_bytes();
        let same_token = expected.len() == given.len()
            && expected
                .iter()
                .zip(given)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        same_token && account_sid == self.account_sid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_account_has_twilio_shaped_sids_and_a_fictional_number() {
        let account = SandboxCredentials::generate();
        assert!(
            is_sid(&account.account_sid, "AC"),
            "{}",
            account.account_sid
        );
        let token = account.auth_token.expose_secret();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(account.phone_number.starts_with("+120155501"));
        assert_eq!(account.phone_number.len(), 12);
        let parsed = phonenumber::parse(None, &account.phone_number).unwrap();
        assert!(phonenumber::is_valid(&parsed), "libphonenumber accepts it");
        assert_ne!(
            SandboxCredentials::generate().account_sid,
            account.account_sid
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let account = SandboxCredentials::generate();
        let shown = format!("{account:?}");
        assert!(!shown.contains(account.auth_token.expose_secret()));
        assert!(shown.contains(&account.account_sid));
    }

    #[test]
    fn env_values_are_checked() {
        let sid = "AC0123456789abcdef0123456789abcdef";
        let token = || SecretString::from("secret".to_owned());
        assert!(SandboxCredentials::from_env_values(sid, token(), "+12015550142").is_ok());
        assert!(SandboxCredentials::from_env_values("AC123", token(), "+12015550142").is_err());
        assert!(SandboxCredentials::from_env_values(sid, token(), "2015550142").is_err());
        assert!(SandboxCredentials::from_env_values(
            sid,
            SecretString::from(" ".to_owned()),
            "+12015550142"
        )
        .is_err());
    }

    #[test]
    fn only_the_exact_sid_and_token_are_accepted() {
        let account = SandboxCredentials::generate();
        let token = account.auth_token.expose_secret().to_owned();
        assert!(account.accepts(&account.account_sid, &token));
        assert!(!account.accepts(&account.account_sid, &token[..31]));
        let mut altered = token.clone();
        let last = if altered.pop() == Some('a') { 'b' } else { 'a' };
        altered.push(last);
        assert!(!account.accepts(&account.account_sid, &altered));
        assert!(!account.accepts("AC0123456789abcdef0123456789abcdef", &token));
    }
}
