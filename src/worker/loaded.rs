//! A customer loaded in its object's memory, and what is done to it: prepared against
//! a catalog version, snapshots built.

use std::sync::Arc;

use super::clock::system_now;
use super::errors::{ApiError, ApiResult};
use super::ident::CustomerRef;
use crate::credits::CreditUsage;
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
    /// Credit ledger entries the catalog hides (see [`retain_fitting_credits`]): kept
    /// in storage, added back to every ledger written.
    pub hidden_credit_usage: Vec<CreditUsage>,
}

impl Loaded {
    /// The credit ledger to store: the prepared customer's and the hidden entries.
    pub fn ledger_to_store(&self) -> Vec<CreditUsage> {
        let mut ledger = self.evaluator.prepared().state().credit_usage.clone();
        ledger.extend(self.hidden_credit_usage.iter().cloned());
        ledger
    }
}

/// Validates a stored `state` against the catalog, keeping only what still fits it (see
/// [`retain_metered_usage`] and [`retain_fitting_credits`]). Returns the prepared
/// customer and the ledger entries hidden.
pub fn prepare(cat: &Cat, mut state: CustomerState) -> ApiResult<(Prepared, Vec<CreditUsage>)> {
    retain_metered_usage(cat, &mut state);
    let hidden = retain_fitting_credits(cat, &mut state, true);
    let prepared = Prepared::new(cat.1.clone(), state).map_err(|e| {
        let mut err = ApiError::from_core_with_status(409, &e);
        err.code = "customer_catalog_mismatch".into();
        err.message = format!(
            "the stored customer no longer fits the catalog: {}",
            err.message
        );
        err
    })?;
    Ok((prepared, hidden))
}

/// Drops usage of features that are not metered in the catalog (they stay stored).
pub fn retain_metered_usage(cat: &Cat, state: &mut CustomerState) {
    state
        .usage
        .retain(|u| is(cat, &u.feature_id, FeatureType::Metered));
}

/// Drops, for preparation, the credit data a stored state holds that the catalog no
/// longer gives a meaning to (SEMANTICS section 7): with `grants`, the one-off grants of
/// features that are not pools in it; always, the ledger entries of features that are not
/// pools and of grants the state does not hold. Returns the ledger entries dropped: they
/// stay stored (see [`Loaded::ledger_to_store`]), so that a pool the catalog brings back
/// finds its ledger as it was. Grants a request gives are never dropped: they are
/// validated as given.
pub fn retain_fitting_credits(
    cat: &Cat,
    state: &mut CustomerState,
    grants: bool,
) -> Vec<CreditUsage> {
    if grants {
        state
            .credit_grants
            .retain(|g| is(cat, &g.feature_id, FeatureType::Credit));
    }
    let held = &state.credit_grants;
    let (kept, hidden) = std::mem::take(&mut state.credit_usage)
        .into_iter()
        .partition(|e| match (&e.grant_id, &e.feature_id) {
            (Some(g), _) => held.iter().any(|x| &x.id == g),
            (None, Some(f)) => is(cat, f, FeatureType::Credit),
            (None, None) => false,
        });
    state.credit_usage = kept;
    hidden
}

fn is(cat: &Cat, id: &str, t: FeatureType) -> bool {
    cat.1.feature(id).is_some_and(|f| f.feature_type == t)
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
