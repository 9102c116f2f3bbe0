//! A customer loaded in its object's memory, and what is done to it: prepared against
//! a catalog version, snapshots built.

use std::sync::Arc;

use super::clock::system_now;
use super::errors::{ApiError, ApiResult};
use super::ident::CustomerRef;
use crate::{
    BuildOptions, CustomerState, Evaluator, FeatureType, Prepared, Snapshot, Timestamp,
    ValidCatalog,
};

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

/// Validates `state` against the catalog, keeping only what still fits it (see
/// [`retain_metered_usage`]).
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

/// Drops, for preparation, what the catalog no longer gives a meaning to (it all stays
/// stored): usage of features that are not metered in it, and credit grants and ledger
/// entries of features that are not credit pools in it (SEMANTICS section 7), with the
/// one-off entries of the grants so dropped.
pub fn retain_metered_usage(cat: &Cat, state: &mut CustomerState) {
    let is = |id: &str, t: FeatureType| cat.1.feature(id).is_some_and(|f| f.feature_type == t);
    state
        .usage
        .retain(|u| is(&u.feature_id, FeatureType::Metered));
    state
        .credit_grants
        .retain(|g| is(&g.feature_id, FeatureType::Credit));
    let grants = &state.credit_grants;
    state
        .credit_usage
        .retain(|e| match (&e.grant_id, &e.feature_id) {
            (Some(g), _) => grants.iter().any(|x| &x.id == g),
            (None, Some(f)) => is(f, FeatureType::Credit),
            (None, None) => false,
        });
}

/// The snapshot of the loaded customer, issued now (the Worker's clock).
pub fn build_snapshot(who: &CustomerRef, cat: &Cat, l: &Loaded) -> ApiResult<Snapshot> {
    build_snapshot_at(who, cat, l, system_now())
}

/// The snapshot version of a loaded customer: its change counter plus the catalog
/// version. Both are persisted and only grow (every change bumps the counter; catalog
/// versions are assigned in increasing order), so the version strictly increases across
/// changes, catalog changes, eviction and restarts, and an ETag never repeats.
pub fn snapshot_version(cat: &Cat, l: &Loaded) -> u64 {
    l.counter + cat.0
}

/// The snapshot of the loaded customer issued at `now`.
pub fn build_snapshot_at(
    who: &CustomerRef,
    cat: &Cat,
    l: &Loaded,
    now: Timestamp,
) -> ApiResult<Snapshot> {
    let opts = BuildOptions {
        environment: &who.env,
        version: snapshot_version(cat, l),
        catalog_version: cat.0,
        now,
    };
    Snapshot::from_prepared(&cat.1, l.evaluator.prepared(), opts)
        .map_err(|e| ApiError::from_core_with_status(409, &e))
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, `*` matches).
pub fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim())
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .any(|t| t == "*" || t == etag)
}
