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
thread_local! {
    /// The last catalog parsed by this isolate, per environment: `(env, version, catalog)`.
    static PARSED: std::cell::RefCell<Vec<(String, u64, std::sync::Arc<crate::ValidCatalog>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The current catalog of `env`, validated (parsed once per version and isolate).
/// Errors: 409 `catalog_not_found` when the environment has none.
pub async fn current_catalog(
    env: &worker::Env,
    environment: &str,
) -> ApiResult<std::sync::Arc<crate::ValidCatalog>> {
    let kv = kv(env)?;
    let version = current_version(&kv, environment).await?;
    if version == 0 {
        return Err(ApiError::new(
            409,
            "catalog_not_found",
            "this environment has no catalog yet: PUT /v1/catalog first",
        ));
    }
    let cached = PARSED.with(|p| {
        p.borrow()
            .iter()
            .find(|(e, v, _)| e == environment && *v == version)
            .map(|(_, _, c)| c.clone())
    });
    if let Some(c) = cached {
        return Ok(c);
    }
    let json = get(&kv, environment, version).await?.ok_or_else(|| {
        ApiError::internal(format!("catalog version {version} is missing from KV"))
    })?;
    let catalog = std::sync::Arc::new(
        crate::ValidCatalog::from_json(&json)
            .map_err(|e| ApiError::internal(format!("stored catalog does not validate: {e}")))?,
    );
    PARSED.with(|p| {
        let mut p = p.borrow_mut();
        p.retain(|(e, _, _)| e != environment);
        p.push((environment.to_string(), version, catalog.clone()));
    });
    Ok(catalog)
}
