//! Catalogs in KV, one per environment, versioned; and the registry of customers with
//! live WebSocket clients (used to push catalog changes).
//!
//! Keys (every key starts with the environment, so environments never meet):
//! - `{env}/catalog/current`: the current `catalogVersion` (decimal text);
//! - `{env}/catalog/v{N}`: the catalog JSON of version N, as it was `PUT` (immutable);
//! - `{env}/live/{customerId}`: present while that customer's object has live clients.

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

fn live_prefix(env: &str) -> String {
    format!("{env}/live/")
}

/// The KV namespace.
pub fn kv(env: &worker::Env) -> ApiResult<KvStore> {
    env.kv(BINDING).map_err(ApiError::from)
}

/// The current catalog version of `env` (0 when none was ever stored).
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

/// Stores an already validated catalog as the next version and returns that version.
/// The version body is written before the pointer, so a reader never sees a version
/// without its catalog. Catalog writes are rare operator actions; two concurrent `PUT`s
/// of one environment may race (KV has no compare-and-set): the last pointer wins.
pub async fn put_next(kv: &KvStore, env: &str, json: &str) -> ApiResult<u64> {
    let version = current_version(kv, env).await? + 1;
    kv.put(&version_key(env, version), json)?.execute().await?;
    kv.put(&current_key(env), version.to_string())?
        .execute()
        .await?;
    Ok(version)
}

/// Records that `customer` of `env` has live clients.
pub async fn mark_live(kv: &KvStore, env: &str, customer: &str) -> ApiResult<()> {
    kv.put(&format!("{}{customer}", live_prefix(env)), "1")?
        .execute()
        .await?;
    Ok(())
}

/// Removes `customer` from the live registry of `env`.
pub async fn unmark_live(kv: &KvStore, env: &str, customer: &str) -> ApiResult<()> {
    kv.delete(&format!("{}{customer}", live_prefix(env)))
        .await?;
    Ok(())
}

/// Every customer of `env` registered with live clients.
pub async fn live_customers(kv: &KvStore, env: &str) -> ApiResult<Vec<String>> {
    let prefix = live_prefix(env);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut list = kv.list().prefix(prefix.clone()).limit(1000);
        if let Some(c) = cursor.take() {
            list = list.cursor(c);
        }
        let page = list.execute().await?;
        out.extend(
            page.keys
                .iter()
                .filter_map(|k| k.name.strip_prefix(&prefix).map(str::to_string)),
        );
        match page.cursor {
            Some(c) if !page.list_complete && !c.is_empty() => cursor = Some(c),
            _ => return Ok(out),
        }
    }
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
