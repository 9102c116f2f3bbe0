//! Catalogs in KV, one per environment, versioned. The environment object
//! ([`super::environment_object`]) hands out the versions and writes these keys; customer
//! objects only read them.
//!
//! Keys (every key starts with the environment, so environments never meet):
//! - `{env}/catalog/current`: the newest published `catalogVersion` (decimal text);
//! - `{env}/catalog/v{N}`: the catalog JSON of version N, as it was `PUT` (immutable,
//!   written before any pointer names it).

use worker::KvStore;

use super::errors::{ApiError, ApiResult};

/// The KV binding name.
pub const BINDING: &str = "CATALOGS";

fn current_key(env: &str) -> String {
    format!("{env}/catalog/current")
}

fn version_key(env: &str, version: u64) -> String {
    format!("{env}/catalog/v{version}")
}

/// The KV namespace.
pub fn kv(env: &worker::Env) -> ApiResult<KvStore> {
    env.kv(BINDING).map_err(ApiError::from)
}

/// The published catalog version of `env` (0 when none was ever published).
pub async fn current_version(kv: &KvStore, env: &str) -> ApiResult<u64> {
    let text = kv.get(&current_key(env)).text().await?;
    match text {
        None => Ok(0),
        Some(t) => t
            .trim()
            .parse()
            .map_err(|_| ApiError::internal(format!("corrupt catalog version `{t}` in KV"))),
    }
}

/// The catalog JSON of `version`.
pub async fn get(kv: &KvStore, env: &str, version: u64) -> ApiResult<Option<String>> {
    Ok(kv.get(&version_key(env, version)).text().await?)
}

/// Writes the body of `version` (an already validated catalog).
pub async fn put_version(kv: &KvStore, env: &str, version: u64, json: &str) -> ApiResult<()> {
    kv.put(&version_key(env, version), json)?.execute().await?;
    Ok(())
}

/// Points `{env}/catalog/current` at `version`.
pub async fn put_pointer(kv: &KvStore, env: &str, version: u64) -> ApiResult<()> {
    kv.put(&current_key(env), version.to_string())?
        .execute()
        .await?;
    Ok(())
}
