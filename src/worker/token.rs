//! Customer tokens: read-only credentials for one customer of one environment, until
//! an expiry, signed with HMAC-SHA256 under `TOKEN_SECRET`.
//!
//! Format: `eet1.<payload>.<signature>`, both parts base64url without padding; the
//! payload is the JSON `{"env":"production","sub":"acme","exp":1767225600}` (`exp` in
//! Unix seconds) and the signature is HMAC-SHA256 over the ASCII text `eet1.<payload>`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Prefix that tells a token from a server key.
pub const PREFIX: &str = "eet1.";

/// Default lifetime of a minted token, in seconds (1 hour).
pub const DEFAULT_TTL_SECONDS: u64 = 3600;

/// Longest lifetime a token can be minted with, in seconds (24 hours).
pub const MAX_TTL_SECONDS: u64 = 86_400;

/// What a token grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Environment.
    pub env: String,
    /// Customer id.
    pub sub: String,
    /// Expiry, Unix seconds (exclusive).
    pub exp: u64,
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of this format, or its signature does not match.
    Invalid,
    /// Well signed but past its expiry.
    Expired,
}

fn mac(secret: &[u8]) -> Option<Hmac<Sha256>> {
    <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()
}

/// Signs `claims` with `secret`.
pub fn mint(secret: &[u8], claims: &Claims) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?);
    let signed = format!("{PREFIX}{payload}");
    let mut m = mac(secret)?;
    m.update(signed.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    Some(format!("{signed}.{sig}"))
}

/// Verifies `token` (signature in constant time, then expiry against `now_seconds`).
pub fn verify(secret: &[u8], token: &str, now_seconds: u64) -> Result<Claims, TokenError> {
    let rest = token.strip_prefix(PREFIX).ok_or(TokenError::Invalid)?;
    let (payload, sig) = rest.split_once('.').ok_or(TokenError::Invalid)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Invalid)?;
    let mut m = mac(secret).ok_or(TokenError::Invalid)?;
    m.update(PREFIX.as_bytes());
    m.update(payload.as_bytes());
    m.verify_slice(&sig).map_err(|_| TokenError::Invalid)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Invalid)?;
    let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Invalid)?;
    if now_seconds >= claims.exp {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims() -> Claims {
        Claims {
            env: "staging".into(),
            sub: "acme".into(),
            exp: 1000,
        }
    }

    #[test]
    fn round_trip_and_expiry() {
        let t = mint(SECRET, &claims()).unwrap();
        assert_eq!(verify(SECRET, &t, 999), Ok(claims()));
        assert_eq!(verify(SECRET, &t, 1000), Err(TokenError::Expired));
    }

    #[test]
    fn tampering_is_refused() {
        let t = mint(SECRET, &claims()).unwrap();
        let other = Claims {
            sub: "other".into(),
            ..claims()
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
        let sig = t.rsplit('.').next().unwrap();
        let forged = format!("{PREFIX}{forged_payload}.{sig}");
        assert_eq!(verify(SECRET, &forged, 1), Err(TokenError::Invalid));
        assert_eq!(
            verify(b"another secret of enough length", &t, 1),
            Err(TokenError::Invalid)
        );
    }
}
