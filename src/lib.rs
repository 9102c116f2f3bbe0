//! # edge-entitlements
//!
//! An entitlement engine that runs where the request is: it decides, from a catalog of
//! features, plans and add-ons and a customer's subscriptions, promotions and usage,
//! whether the customer may use a feature, how much of a metered feature is left this
//! period, and what a configuration value is. The rules are those of
//! `spec/SEMANTICS.md`; this crate is their one implementation, shared by every face.
//!
//! The core is pure: no WebAssembly, no clock, no I/O. Every function that depends on
//! time takes `now` as a [`Timestamp`].
//!
//! ```
//! use edge_entitlements::{Check, CheckKind, CustomerState, Evaluator, Prepared, Timestamp, ValidCatalog};
//! use std::sync::Arc;
//!
//! let catalog = ValidCatalog::from_json(r#"{
//!   "features": [{"id": "sso", "type": "boolean"}],
//!   "plans": [{"id": "pro", "entitlements": [{"featureId": "sso"}]}]
//! }"#)?;
//! let customer = CustomerState::from_json(r#"{"id": "acme", "subscriptions": [
//!   {"id": "s1", "planId": "pro", "status": "active", "startDate": "2026-01-01T00:00:00Z"}]}"#)?;
//! let mut eval = Evaluator::new(Prepared::new(Arc::new(catalog), customer)?);
//! let now = Timestamp::parse("2026-03-01T00:00:00Z").unwrap();
//! let check = Check { feature_id: "sso", kind: CheckKind::Boolean, requested_usage: 0.0, fallback: None };
//! assert!(eval.check(now, &check).has_access);
//! # Ok::<(), edge_entitlements::Error>(())
//! ```
//!
//! ## Modules, by rule
//!
//! - [`catalog`]: catalog types and validation (section 1); plans flattened once.
//! - [`features`]: the feature table, the id index every check starts with.
//! - [`metadata`]: the free-form string maps of catalog entries.
//! - [`entitlement`]: entitlement fields by feature type.
//! - [`customer`]: customer state and its validation (section 2).
//! - [`resolve`]: effective entitlements at an instant (section 3).
//! - [`period`]: usage periods (section 4).
//! - [`decide`]: decisions, reasons and fallbacks (section 5).
//! - [`evaluator`]: a prepared customer with its resolution cached.
//! - [`snapshot`]: snapshot build, binary and JSON forms.
//! - [`error`]: the error type with stable codes.
//! - `json` (private): JSON in (serde, with the path of a shape error) and out.
//! - [`usage`]: recording usage (section 6): the counter rule, history, idempotency,
//!   the atomic write of reports and consumes.
//! - [`time`]: UTC instants and RFC 3339.
//!
//! ## Cargo features
//!
//! - `wasm`: the npm package's checks (`src/wasm/`), built by `wasm-pack` into `pkg/`
//!   (the client entry, `edge-entitlements/client`).
//! - `wasm-build`: `wasm` plus `validateCatalog` and `buildSnapshot` (`src/wasm/build.rs`;
//!   the main entry, `edge-entitlements`).
//! - `worker`: the Cloudflare Worker (`src/worker/`), built by `worker-build`.
//! - `schema`: JSON Schemas of the inputs and answers (`schemars`), for
//!   `examples/json_schema.rs`, from which the npm package's input types are generated,
//!   and (with `worker`) for the Worker's OpenAPI document (`examples/openapi.rs`).
//!
//! Without features the crate is the pure core and builds for any target.

pub mod catalog;
pub mod credits;
pub mod customer;
pub mod decide;
pub mod entitlement;
pub mod error;
pub mod evaluator;
pub mod features;
mod json;
pub mod metadata;
mod number;
pub mod period;
pub mod resolve;
pub mod snapshot;
pub mod time;
pub mod usage;
#[cfg(feature = "wasm")]
pub mod wasm;
#[cfg(feature = "worker")]
pub mod worker;

pub use catalog::{Catalog, Feature, FeatureType, Meter, ValidCatalog};
pub use customer::CustomerState;
pub use decide::{decide, Check, CheckKind, Decision, DeniedReason, Fallback};
pub use error::{Error, ErrorCode, Result};
pub use evaluator::Evaluator;
pub use features::FeatureTable;
pub use metadata::Metadata;
pub use resolve::{Prepared, Resolution, UsageEntry};
pub use snapshot::{BuildOptions, Decoder, Snapshot, SnapshotInfo};
pub use time::Timestamp;
pub use usage::{Ledger, LedgerStore, UsageUpdate};
