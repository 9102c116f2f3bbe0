//! A credit pool at an instant (SEMANTICS section 7, Grants and Burn order): the grants
//! in force, each with what it has left, sorted in burn order, and the balance.
//!
//! Worked out once per resolution window (the grant boundaries are among the window's
//! edges), so a credit check is a lookup, a multiplication and a comparison.

use std::sync::Arc;

use serde::Serialize;

use crate::customer::CustomerState;
use crate::features::FeatureIdx;
use crate::time::Timestamp;

use super::amount::Credits;
use super::state::{CreditGrant, EntryForm, GrantCategory, DEFAULT_PRIORITY, PLAN_GRANT_PREFIX};

/// Where a grant comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GrantSource {
    /// The winning subscription's plan grant, `"plan:" + subscriptionId`.
    Plan,
    /// A one-off grant of the customer state.
    Grant,
}

/// A grant as a credit decision reports it: `{id, source, category?, priority, amount,
/// remaining, effectiveAt, expiresAt?}`; a plan grant's `amount` includes its carry, and
/// it has no `category` (it ranks as paid).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GrantView {
    /// The grant id (`plan:<subscriptionId>` for a plan grant).
    pub id: String,
    /// `plan` or `grant`.
    pub source: GrantSource,
    /// A one-off grant's category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<GrantCategory>,
    /// Lower burns first.
    pub priority: u32,
    /// Credits granted (a plan grant: `amount + carried`).
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "super::amount::json")]
    pub amount: Credits,
    /// Credits left: `amount - used`, never below 0.
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "super::amount::json")]
    pub remaining: Credits,
    /// When it came (or comes) into force.
    pub effective_at: Timestamp,
    /// When its remainder is gone; absent: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl GrantView {
    /// The burn-order key: priority, earliest expiry (none last), promotional before paid
    /// (a plan grant is paid), earliest `effectiveAt`, then id in byte order.
    fn burn_key(&self) -> (u32, bool, Timestamp, GrantCategory, Timestamp, &[u8]) {
        (
            self.priority,
            self.expires_at.is_none(),
            self.expires_at.unwrap_or(Timestamp::MAX),
            self.category.unwrap_or(GrantCategory::Paid),
            self.effective_at,
            self.id.as_bytes(),
        )
    }

    /// A one-off grant with `used` drawn from it.
    pub(crate) fn one_off(g: &CreditGrant, used: Credits) -> GrantView {
        GrantView {
            id: g.id.clone(),
            source: GrantSource::Grant,
            category: Some(g.category),
            priority: g.priority,
            amount: g.amount,
            remaining: g.amount.saturating_sub(used).max(Credits::ZERO),
            effective_at: g.effective_at,
            expires_at: g.expires_at,
        }
    }
}

/// The plan grant in force and the pool entry it is kept in, for the draws that write it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanGrant {
    /// The winning subscription.
    pub subscription_id: String,
    /// Its pool entry's `periodStart`: the current period's start (`startDate` without
    /// a reset period).
    pub period_start: Timestamp,
    /// The carry the period began with.
    pub carried: Credits,
    /// Drawn from it in this period so far.
    pub used: Credits,
}

/// A pool at an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolBalance {
    /// The pool.
    pub pool: FeatureIdx,
    /// The grants in force, in burn order.
    pub grants: Arc<[GrantView]>,
    /// The sum of their remaining.
    pub balance: Credits,
    /// The earliest `expiresAt` among grants in force with something left.
    pub next_expiry: Option<Timestamp>,
    /// The plan grant, when the winning subscription gives one.
    pub plan: Option<PlanGrant>,
}

impl PoolBalance {
    /// The pool of `pool` at `now` from the plan grant (already worked out by the
    /// resolution, see [`super::plan`]) and the one-off grants of `state`. `note` receives
    /// every one-off grant boundary, for the resolution's validity window.
    #[inline(never)]
    pub(crate) fn at(
        pool: FeatureIdx,
        pool_id: &str,
        plan: Option<(GrantView, PlanGrant)>,
        state: &CustomerState,
        now: Timestamp,
        mut note: impl FnMut(Timestamp),
    ) -> PoolBalance {
        let mut grants = Vec::new();
        let mut plan_entry = None;
        if let Some((view, entry)) = plan {
            grants.push(view);
            plan_entry = Some(entry);
        }
        for g in state
            .credit_grants
            .iter()
            .filter(|g| g.feature_id == pool_id)
        {
            note(g.effective_at);
            if let Some(e) = g.expires_at {
                note(e);
            }
            let in_force = g.effective_at <= now && g.expires_at.is_none_or(|e| now < e);
            if in_force {
                // Kept in burn order as it grows: a customer holds a few grants, and an
                // insertion is far less wasm than a sort.
                let view = GrantView::one_off(g, used_of_grant(state, &g.id));
                let at = grants.partition_point(|x| x.burn_key() <= view.burn_key());
                grants.insert(at, view);
            }
        }
        let balance = grants
            .iter()
            .fold(Credits::ZERO, |sum, g| sum.saturating_add(g.remaining));
        let next_expiry = grants
            .iter()
            .filter(|g| g.remaining > Credits::ZERO)
            .filter_map(|g| g.expires_at)
            .min();
        PoolBalance {
            pool,
            grants: grants.into(),
            balance,
            next_expiry,
            plan: plan_entry,
        }
    }

    /// How `cost` would be drawn: `(grant index, amount)` in burn order, emptying each
    /// grant before the next. `None` when `cost` is more than the balance.
    pub fn draws(&self, cost: Credits) -> Option<Vec<(usize, Credits)>> {
        if cost > self.balance {
            return None;
        }
        let mut left = cost;
        let mut out = Vec::new();
        for (i, g) in self.grants.iter().enumerate() {
            if left <= Credits::ZERO {
                break;
            }
            let take = g.remaining.min(left);
            if take > Credits::ZERO {
                out.push((i, take));
                left = left.saturating_sub(take);
            }
        }
        Some(out)
    }
}

/// What has been drawn from the one-off grant `id` (its one-off ledger entry; 0 without).
pub(crate) fn used_of_grant(state: &CustomerState, id: &str) -> Credits {
    state
        .credit_usage
        .iter()
        .find(|e| e.form() == EntryForm::OneOff && e.grant_id.as_deref() == Some(id))
        .and_then(|e| e.used)
        .unwrap_or(Credits::ZERO)
}

/// The id of the plan grant of subscription `subscription_id`.
pub fn plan_grant_id(subscription_id: &str) -> String {
    let mut id = String::with_capacity(PLAN_GRANT_PREFIX.len() + subscription_id.len());
    id.push_str(PLAN_GRANT_PREFIX);
    id.push_str(subscription_id);
    id
}

/// A plan grant's view: priority 10, paid.
pub(crate) fn plan_view(
    subscription_id: &str,
    amount: Credits,
    used: Credits,
    effective_at: Timestamp,
    expires_at: Option<Timestamp>,
) -> GrantView {
    GrantView {
        id: plan_grant_id(subscription_id),
        source: GrantSource::Plan,
        category: None,
        priority: DEFAULT_PRIORITY,
        amount,
        remaining: amount.saturating_sub(used).max(Credits::ZERO),
        effective_at,
        expires_at,
    }
}
