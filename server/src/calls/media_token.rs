//! The per-call Media Streams token, pure. Twilio strips query strings from Stream URLs, so the
//! voice webhook hands the stream a token in a `<Parameter>`, checked on the `start` message.
//!
//! Design: Twilio's webhook signatures carry no nonce, so a signed voice webhook can be replayed.
//! A random token per webhook would let each replay mint a new token and overwrite the one Twilio
//! is about to use. Instead the token is *derived*: base64url(HMAC-SHA256(key, "{call id}:{issue
//! time in ms}")), where the key is derived from `ORDERLINE_SECRET_KEY` and the issue time is
//! stored on the call once (the first webhook sets it; a replay reads it back). So a call has at
//! most one token, a replay answers that same token, and nothing secret is stored. A token is
//! accepted once (its use is recorded), within [`TOKEN_TTL`] of its issue, while the call is not
//! over, and only on a stream whose `start.callSid` is the call's SID.

use crate::config::SecretKey;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long after its issue a token opens a stream: Twilio connects the stream right after it
/// fetched the TwiML, within a second or two.
pub const TOKEN_TTL: Duration = Duration::seconds(60);

/// Why a stream's token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the call is over")]
    CallOver,
    #[error("the stream's callSid is not the call's")]
    OtherCall,
    #[error("no token was issued for this call")]
    NotIssued,
    #[error("wrong token")]
    Wrong,
    #[error("the token was used already")]
    Used,
    #[error("the token expired")]
    Expired,
}

/// What the check needs to know about the call.
#[derive(Debug, Clone, Copy)]
pub struct TokenState<'a> {
    pub call_id: i32,
    pub call_sid: Option<&'a str>,
    pub is_final: bool,
    pub issued_at: Option<DateTime<Utc>>,
    pub used: bool,
}

/// The key tokens are derived with. Its `Debug` never shows it.
#[derive(Clone)]
pub struct MediaTokenKey([u8; 32]);

impl std::fmt::Debug for MediaTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaTokenKey([redacted])")
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only mismatch.
    Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| {
        tracing::error!("HMAC refused a key");
        Hmac::<Sha256>::new(&Default::default())
    })
}

impl MediaTokenKey {
    /// A key of its own for tokens, derived from the secret key (which then signs nothing itself).
    pub fn derive(secret: &SecretKey) -> Self {
        let mut mac = mac(secret.bytes());
        mac.update(b"orderline media-stream tokens v1");
        MediaTokenKey(mac.finalize().into_bytes().into())
    }

    fn mac_for(&self, call_id: i32, issued_at: DateTime<Utc>) -> Hmac<Sha256> {
        let mut mac = mac(&self.0);
        mac.update(format!("{call_id}:{}", issued_at.timestamp_millis()).as_bytes());
        mac
    }

    /// The token of a call issued at `issued_at`.
    pub fn token(&self, call_id: i32, issued_at: DateTime<Utc>) -> String {
        let bytes = self.mac_for(call_id, issued_at).finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Checks a presented token, for a stream that says it carries `stream_call_sid`, at `now`.
    pub fn check(
        &self,
        call: &TokenState<'_>,
        presented: &str,
        stream_call_sid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if call.is_final {
            return Err(Refusal::CallOver);
        }
        if call.call_sid != Some(stream_call_sid) {
            return Err(Refusal::OtherCall);
        }
        let issued_at = call.issued_at.ok_or(Refusal::NotIssued)?;
        let given = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(presented)
            .map_err(|_| Refusal::Wrong)?;
        // Constant-time comparison.
        self.mac_for(call.call_id, issued_at)
            .verify_slice(&given)
            .map_err(|_| Refusal::Wrong)?;
        if call.used {
            return Err(Refusal::Used);
        }
        if now - issued_at > TOKEN_TTL {
            return Err(Refusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + seconds, 0).unwrap()
    }

    fn state(issued_at: DateTime<Utc>) -> TokenState<'static> {
        TokenState {
            call_id: 7,
            call_sid: Some("CA7"),
            is_final: false,
            issued_at: Some(issued_at),
            used: false,
        }
    }

    #[test]
    fn the_token_depends_on_the_call_the_issue_time_and_the_key() {
        let key = MediaTokenKey::derive(&SecretKey::generate());
        let token = key.token(7, at(0));
        assert_eq!(
            token,
            key.token(7, at(0)),
            "a replay derives the same token"
        );
        assert_ne!(token, key.token(8, at(0)));
        assert_ne!(token, key.token(7, at(1)));
        let other = MediaTokenKey::derive(&SecretKey::generate());
        assert_ne!(token, other.token(7, at(0)));
        assert_eq!(token.len(), 43, "32 bytes in unpadded base64url");
        assert_eq!(format!("{key:?}"), "MediaTokenKey([redacted])");
    }

    #[test]
    fn a_fresh_token_for_the_call_s_own_stream_is_accepted_within_a_minute() {
        let key = MediaTokenKey::derive(&SecretKey::generate());
        let token = key.token(7, at(0));
        assert_eq!(key.check(&state(at(0)), &token, "CA7", at(1)), Ok(()));
        assert_eq!(key.check(&state(at(0)), &token, "CA7", at(60)), Ok(()));
        assert_eq!(
            key.check(&state(at(0)), &token, "CA7", at(61)),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn used_wrong_foreign_or_late_tokens_are_refused() {
        let key = MediaTokenKey::derive(&SecretKey::generate());
        let token = key.token(7, at(0));
        let check =
            |call: TokenState<'_>, token: &str, sid: &str| key.check(&call, token, sid, at(1));
        let used = TokenState {
            used: true,
            ..state(at(0))
        };
        assert_eq!(check(used, &token, "CA7"), Err(Refusal::Used));
        let over = TokenState {
            is_final: true,
            ..state(at(0))
        };
        assert_eq!(check(over, &token, "CA7"), Err(Refusal::CallOver));
        assert_eq!(check(state(at(0)), &token, "CA8"), Err(Refusal::OtherCall));
        let unissued = TokenState {
            issued_at: None,
            ..state(at(0))
        };
        assert_eq!(check(unissued, &token, "CA7"), Err(Refusal::NotIssued));
        assert_eq!(check(state(at(0)), "forged", "CA7"), Err(Refusal::Wrong));
        assert_eq!(
            check(state(at(0)), &key.token(8, at(0)), "CA7"),
            Err(Refusal::Wrong),
            "another call's token"
        );
    }
}
