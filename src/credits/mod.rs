//! Credits (SEMANTICS section 7): prepaid pools that features spend, filled by plan grants
//! (with reset periods and capped rollover) and one-off grants, drained in a fixed burn
//! order, decided from the snapshot alone at the exact instant.
//!
//! - [`amount`]: exact decimal quantities (`rust_decimal`), their JSON and binary forms.
//! - `rules`: what pools, priced features and pool entitlements may be (catalog rules).
//! - [`state`]: one-off `creditGrants` and the `creditUsage` ledger, and their rules.
//! - [`plan`]: the winning subscription's plan grant and the carry rule.
//! - [`pool`]: a pool at an instant: grants in force in burn order, the balance.
//! - [`decision`]: the credit decision, and the metered shape of a priced feature.
//! - [`report`]: the pools as the server reports them (`GET /v1/customers/{id}/credits`).
//! - [`draw`]: drawing credits into the ledger (consumes, reports, a client's
//!   `recordUsage`), and the pool entries written at period starts.

pub mod amount;
pub mod decision;
pub mod draw;
pub mod plan;
pub mod pool;
pub mod report;
pub(crate) mod rules;
pub mod state;

pub use amount::Credits;
pub use pool::{GrantSource, GrantView, PoolBalance};
pub use state::{CreditGrant, CreditUsage, GrantCategory};
