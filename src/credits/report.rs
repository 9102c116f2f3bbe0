//! The credits of a customer as the server reports them (API section 3, `GET
//! /v1/customers/{id}/credits`; SEMANTICS section 7): per pool, the balance, the lifetime
//! uncovered use, the grants in force in burn order, then the one-off grants not yet in
//! force.

use serde::Serialize;

use crate::resolve::Prepared;
use crate::time::Timestamp;

use super::amount::Credits;
use super::pool::{used_of_grant, GrantView};
use super::state::EntryForm;

/// One pool: `{ creditId, balance, uncovered, nextExpiry?, grants }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PoolReport {
    /// The pool.
    pub credit_id: String,
    /// Credits left in the grants in force.
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "super::amount::json")]
    pub balance: Credits,
    /// The pool's lifetime uncovered use (0 when none).
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "super::amount::json")]
    pub uncovered: Credits,
    /// The earliest expiry among grants in force with something left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_expiry: Option<Timestamp>,
    /// The grants in force in burn order, then the one-off grants not yet in force (by
    /// `effectiveAt`, then id).
    pub grants: Vec<GrantView>,
}

impl Prepared {
    /// Every credit pool of the catalog at `now`, in catalog order.
    pub fn credits_report(&self, now: Timestamp) -> Vec<PoolReport> {
        let at_now = self.resolve(now);
        let state = self.state();
        at_now
            .pools()
            .iter()
            .filter_map(|p| {
                let id = self.features().at(p.pool)?.id.clone();
                let uncovered = state
                    .credit_usage
                    .iter()
                    .find(|e| {
                        e.form() == EntryForm::Uncovered && e.feature_id.as_deref() == Some(&id)
                    })
                    .and_then(|e| e.uncovered)
                    .unwrap_or(Credits::ZERO);
                let mut grants: Vec<GrantView> = p.grants.to_vec();
                let mut later: Vec<GrantView> = state
                    .credit_grants
                    .iter()
                    .filter(|g| g.feature_id == id && g.effective_at > now)
                    .map(|g| GrantView::one_off(g, used_of_grant(state, &g.id)))
                    .collect();
                later.sort_by(|a, b| (a.effective_at, &a.id).cmp(&(b.effective_at, &b.id)));
                grants.extend(later);
                Some(PoolReport {
                    credit_id: id,
                    balance: p.balance,
                    uncovered,
                    next_expiry: p.next_expiry,
                    grants,
                })
            })
            .collect()
    }
}
