//! Who is calling: a server key of one environment, or a customer token.
//!
//! `SERVER_KEYS` is `environment:key,environment:key`; `TOKEN_SECRET` signs tokens. With
//! neither configured every authenticated call is refused with 500 `auth_not_configured`:
//! the Worker never runs open.

use sha2::{Digest, Sha256};
use worker::{Env, Request};

use super::errors::{ApiError, ApiResult};
use super::ident::valid_env;
use super::token::{self, TokenError};

/// Shortest `TOKEN_SECRET` accepted, in bytes; a shorter one counts as not configured.
pub const MIN_TOKEN_SECRET_BYTES: usize = 16;

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A back end holding a server key of `env`.
    Server {
        /// Its environment.
        env: String,
        /// The key's identity for the audit log: `sha256:` and the first 16 hex digits
        /// of the key's SHA-256 (never the key).
        key_id: String,
    },
    /// A browser holding a token for one customer.
    Customer {
        /// The token's environment.
        env: String,
        /// The token's customer.
        customer: String,
        /// The token's expiry, Unix seconds.
        exp: u64,
    },
}

/// Credentials configuration, read from the Worker's vars and secrets.
pub struct AuthConfig {
    /// `(environment, SHA-256 of the key)`: comparing digests makes the comparison
    /// independent of key length.
    keys: Vec<(String, [u8; 32])>,
    token_secret: Option<Vec<u8>>,
}

fn text_binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|s| !s.trim().is_empty())
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Constant-time equality of two digests.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

impl AuthConfig {
    /// Reads `SERVER_KEYS` and `TOKEN_SECRET`; malformed pairs are ignored.
    pub fn from_env(env: &Env) -> AuthConfig {
        let keys = text_binding(env, "SERVER_KEYS")
            .map(|s| parse_server_keys(&s))
            .unwrap_or_default();
        let token_secret = text_binding(env, "TOKEN_SECRET")
            .map(String::into_bytes)
            .filter(|s| s.len() >= MIN_TOKEN_SECRET_BYTES);
        AuthConfig { keys, token_secret }
    }

    /// The token secret, or 500 `auth_not_configured`.
    pub fn token_secret(&self) -> ApiResult<&[u8]> {
        self.token_secret.as_deref().ok_or_else(|| {
            not_configured(
                "TOKEN_SECRET is not set (or shorter than 16 bytes): customer tokens are disabled",
            )
        })
    }

    /// The environment of a server key, comparing against every key in constant time.
    fn env_of_key(&self, key: &str) -> ApiResult<(String, String)> {
        if self.keys.is_empty() {
            return Err(not_configured(
                "SERVER_KEYS is not set: every server call is refused",
            ));
        }
        let d = digest(key.as_bytes());
        let mut found: Option<&str> = None;
        for (env, k) in &self.keys {
            if ct_eq(&d, k) && found.is_none() {
                found = Some(env);
            }
        }
        found
            .map(|env| (env.to_string(), key_id(&d)))
            .ok_or_else(|| {
                ApiError::unauthorized("invalid_credentials", "the server key is not valid")
            })
    }

    /// Authenticates a request: `Authorization: Bearer <server key or token>`, or, when
    /// `allow_query_token` (the live stream, as browsers cannot set WebSocket headers),
    /// `?token=<token>`.
    pub fn authenticate(
        &self,
        req: &Request,
        allow_query_token: bool,
        now_ms: u64,
    ) -> ApiResult<Caller> {
        self.authenticate_with(req, None, allow_query_token, now_ms)
    }

    /// Authenticates a request from, in order: `Authorization`, `alternative` (the
    /// credential of the live stream's `token.<TOKEN>` subprotocol), and `?token=` when
    /// `allow_query_token`. Credentials are never logged.
    pub fn authenticate_with(
        &self,
        req: &Request,
        alternative: Option<&str>,
        allow_query_token: bool,
        now_ms: u64,
    ) -> ApiResult<Caller> {
        let header = req.headers().get("authorization").ok().flatten();
        let credential = match header {
            Some(h) => {
                let h = h.trim();
                let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
                if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
                    return Err(ApiError::unauthorized(
                        "invalid_credentials",
                        "the Authorization header must be `Bearer <key or token>`",
                    ));
                }
                Some(rest.trim().to_string())
            }
            None if alternative.is_some() => alternative.map(str::to_string),
            None if allow_query_token => req.url().ok().and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.into_owned())
            }),
            None => None,
        };
        let Some(credential) = credential else {
            if self.keys.is_empty() && self.token_secret.is_none() {
                return Err(not_configured(
                    "SERVER_KEYS and TOKEN_SECRET are not set: every authenticated call is refused",
                ));
            }
            return Err(ApiError::unauthorized(
                "missing_credentials",
                "no credentials: send `Authorization: Bearer <key>`",
            ));
        };
        if credential.starts_with(token::PREFIX) {
            let secret = self.token_secret()?;
            match token::verify(secret, &credential, now_ms / 1000) {
                Ok(claims) => Ok(Caller::Customer {
                    env: claims.env,
                    customer: claims.sub,
                    exp: claims.exp,
                }),
                Err(TokenError::Expired) => Err(ApiError::unauthorized(
                    "token_expired",
                    "the customer token has expired",
                )),
                Err(TokenError::Invalid) => Err(ApiError::unauthorized(
                    "invalid_token",
                    "the customer token is not valid",
                )),
            }
        } else {
            self.env_of_key(&credential)
                .map(|(env, key_id)| Caller::Server { env, key_id })
        }
    }
}

/// A key's identity in the audit log: `sha256:` and the first 16 hex digits of its
/// digest. 64 bits name a key among a handful without telling anything usable about it.
pub fn key_id(digest: &[u8; 32]) -> String {
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn not_configured(message: &str) -> ApiError {
    ApiError::new(500, "auth_not_configured", message)
}

/// Parses `env:key,env:key` (whitespace around items ignored; bad items skipped).
pub fn parse_server_keys(s: &str) -> Vec<(String, [u8; 32])> {
    s.split(',')
        .filter_map(|item| {
            let (env, key) = item.trim().split_once(':')?;
            let (env, key) = (env.trim(), key.trim());
            (valid_env(env) && !key.is_empty()).then(|| (env.to_string(), digest(key.as_bytes())))
        })
        .collect()
}

impl Caller {
    /// The expiry of a customer token, Unix seconds; `None` for a server key.
    pub fn expiry(&self) -> Option<u64> {
        match self {
            Caller::Server { .. } => None,
            Caller::Customer { exp, .. } => Some(*exp),
        }
    }

    /// The caller's environment.
    pub fn env(&self) -> &str {
        match self {
            Caller::Server { env, .. } | Caller::Customer { env, .. } => env,
        }
    }

    /// The environment of a server caller; 403 for a customer token.
    pub fn require_server(&self) -> ApiResult<&str> {
        self.require_server_key().map(|(env, _)| env)
    }

    /// The environment and key identity of a server caller; 403 for a customer token.
    pub fn require_server_key(&self) -> ApiResult<(&str, &str)> {
        match self {
            Caller::Server { env, key_id } => Ok((env, key_id)),
            Caller::Customer { .. } => Err(ApiError::forbidden(
                "server_key_required",
                "customer tokens are read-only: this route needs a server key",
            )),
        }
    }

    /// The environment, if the caller may read `customer` (a server key, or that customer's token).
    pub fn require_reader_of(&self, customer: &str) -> ApiResult<&str> {
        match self {
            Caller::Server { env, .. } => Ok(env),
            Caller::Customer {
                env, customer: c, ..
            } if c == customer => Ok(env),
            Caller::Customer { .. } => Err(ApiError::forbidden(
                "token_not_for_customer",
                "the customer token was issued for another customer",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_skips_bad_ones() {
        let keys = parse_server_keys(" development:sk_dev , bad, :x, staging:sk:with:colons,");
        let envs: Vec<&str> = keys.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(envs, ["development", "staging"]);
        assert!(ct_eq(&keys[1].1, &digest(b"sk:with:colons")));
    }

    #[test]
    fn key_id_is_a_short_digest_not_the_key() {
        let id = key_id(&digest(b"sk_dev_local"));
        assert_eq!(id.len(), "sha256:".len() + 16);
        assert!(id.starts_with("sha256:") && !id.contains("sk_dev_local"));
        assert_ne!(id, key_id(&digest(b"sk_test_local")));
    }
}
