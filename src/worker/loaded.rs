//! A customer loaded in its object's memory, and what is done to it: prepared against
//! a catalog version, usage recorded (memory and storage together), snapshots built.

use std::sync::Arc;

use serde_json::Value;

use super::customer_store::{Store, MAX_IDEMPOTENCY_KEY_BYTES};
use super::errors::{ApiError, ApiResult};
use super::ident::CustomerRef;
use super::protocol::Outcome;
use crate::usage::{ReportAnswer, ReportInput};
use crate::{
    BuildOptions, CustomerState, Evaluator, FeatureType, Prepared, Snapshot, Timestamp,
    UsageUpdate, ValidCatalog,
};

/// The current time, Unix ms.
pub fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis()).unwrap_or(i64::MAX)
}

/// The current time.
pub fn now() -> Timestamp {
    Timestamp::from_millis(now_ms()).unwrap_or(Timestamp::EPOCH)
}

/// A catalog version and the catalog, parsed and validated once.
pub type Cat = (u64, Arc<ValidCatalog>);

/// A loaded customer, prepared against one catalog version.
pub struct Loaded {
    /// The catalog version it was prepared against.
    pub catalog_version: u64,
    /// The change counter.
    pub counter: u64,
    /// The prepared customer.
    pub evaluator: Evaluator,
}

/// Validates `state` against the catalog, keeping only usage of features that are
/// metered in it (counters of removed features stay stored but do not count).
pub fn prepare(cat: &Cat, mut state: CustomerState) -> ApiResult<Prepared> {
    retain_metered_usage(cat, &mut state);
    Prepared::new(cat.1.clone(), state).map_err(|e| {
        let mut err = ApiError::from_core_with_status(409, &e);
        err.code = "customer_catalog_mismatch".into();
        err.message = format!(
            "the stored customer no longer fits the catalog: {}",
            err.message
        );
        err
    })
}

/// Drops usage of features that are not metered in the catalog (they stay stored).
pub fn retain_metered_usage(cat: &Cat, state: &mut CustomerState) {
    state.usage.retain(|u| {
        cat.1
            .feature(&u.feature_id)
            .is_some_and(|f| f.feature_type == FeatureType::Metered)
    });
}

/// Records usage in memory and storage, bumping the change counter.
///
/// Through the core's write path (`crate::usage`: validation, then the carry-on/restart
/// rule at `at`); a stop-gap that keeps the Worker building until the Durable Object
/// moves to the core's `Ledger`.
pub fn record(
    store: &Store,
    l: &mut Loaded,
    feature: &str,
    value: f64,
    update: UsageUpdate,
    at: Timestamp,
) -> ApiResult<ReportAnswer> {
    let input = ReportInput::new(feature, value, update);
    let valid = input
        .validate(l.evaluator.prepared().features(), at)
        .map_err(|e| ApiError::from_core(&e))?;
    let prepared = l.evaluator.prepared_mut();
    let resolution = prepared.resolve(at);
    let report = prepared
        .apply_report(&resolution, &valid, at, "")
        .map_err(|e| ApiError::from_core(&e))?;
    if let Some(u) = l
        .evaluator
        .prepared()
        .state()
        .usage
        .iter()
        .find(|u| u.feature_id == feature)
    {
        store.save_usage(u)?;
    }
    l.counter += 1;
    store.save_counter(l.counter)?;
    Ok(report)
}

/// The snapshot of the loaded customer (version = change counter + catalog version).
pub fn build_snapshot(who: &CustomerRef, cat: &Cat, l: &Loaded) -> ApiResult<Snapshot> {
    let opts = BuildOptions {
        environment: &who.env,
        version: l.counter + cat.0,
        catalog_version: cat.0,
        now: now(),
    };
    Snapshot::from_prepared(&cat.1, l.evaluator.prepared(), opts)
        .map_err(|e| ApiError::from_core_with_status(409, &e))
}

/// The API answer to a usage report.
pub fn report_json(r: &ReportAnswer) -> Value {
    r.to_json()
}

/// An error as the outcome of one usage report.
pub fn error_outcome(e: &ApiError) -> Outcome {
    Outcome {
        status: e.status,
        body: e.body(),
    }
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, `*` matches).
pub fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim())
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .any(|t| t == "*" || t == etag)
}

/// Whether an idempotency key is acceptable.
pub fn valid_idempotency_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_BYTES
}
