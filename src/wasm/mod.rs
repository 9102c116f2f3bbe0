//! The npm package face (feature `wasm`): the core behind a small, fast JS surface.
//!
//! The package's public API (`EntitlementsClient`, `validateCatalog`, `buildSnapshot`,
//! `EntitlementsError`) lives in `js/client.js`, a wasm-bindgen snippet, over the raw
//! exports of this module. The split is for speed: a check must cross the boundary
//! once and build only the object it returns, which is done best on the JS side from
//! a few numbers (see [`engine`]). Building a result with `Reflect::set` from Rust
//! costs one boundary crossing per field.
//!
//! Every error reaching JS is made by [`error::to_js`], the one conversion, as an
//! `EntitlementsError` (a JS `Error` subclass with `code`, `path` and `details`).

pub mod engine;
pub mod error;
mod json_out;

use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::snapshot::{BuildOptions, Snapshot};
use crate::time::Timestamp;
use crate::{CustomerState, ValidCatalog};

/// The allocator of the npm package: lol_alloc's free list (address-ordered, merging
/// neighbours) is a few hundred bytes of wasm where std's dlmalloc is about 8 KB, and
/// the package allocates little (a decoded snapshot reuses its buffers). The spin lock
/// is never contended: wasm32 without threads runs one thread. Only for wasm32, so native
/// `cargo test --features wasm` keeps the system allocator.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

pub use engine::RawEngine;

/// Validates a catalog given as JSON text; throws `EntitlementsError` (`invalid_catalog`).
#[wasm_bindgen(js_name = rawValidateCatalog, skip_typescript)]
pub fn validate_catalog(catalog_json: &str) -> Result<(), JsValue> {
    ValidCatalog::from_json(catalog_json)
        .map(|_| ())
        .map_err(error::to_js)
}

/// Builds the binary snapshot of a customer (JSON text) against a catalog (JSON text).
#[wasm_bindgen(js_name = rawBuildSnapshot, skip_typescript)]
pub fn build_snapshot(
    catalog_json: &str,
    customer_json: &str,
    environment: &str,
    version: f64,
    catalog_version: f64,
    now: f64,
) -> Result<Vec<u8>, JsValue> {
    build(
        catalog_json,
        customer_json,
        environment,
        version,
        catalog_version,
        now,
    )
    .map_err(error::to_js)
}

fn build(
    catalog_json: &str,
    customer_json: &str,
    environment: &str,
    version: f64,
    catalog_version: f64,
    now: f64,
) -> Result<Vec<u8>, Error> {
    let version = whole_number(version, "version")?;
    let catalog_version = whole_number(catalog_version, "catalogVersion")?;
    let now = Timestamp::from_millis_f64(now).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidArgument,
            "now",
            "`now` is not a valid date",
        )
    })?;
    let catalog = ValidCatalog::from_json(catalog_json)?;
    let state = CustomerState::from_json(customer_json)?;
    let opts = BuildOptions {
        environment,
        version,
        catalog_version,
        now,
    };
    Ok(Snapshot::build(&catalog, state, opts)?.encode())
}

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn whole_number(n: f64, name: &str) -> Result<u64, Error> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE_INTEGER {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked above: a whole number in 0..=2^53-1"
        )]
        Ok(n as u64)
    } else {
        Err(Error::new(
            ErrorCode::InvalidArgument,
            name,
            format!("`{name}` must be a whole number from 0 to 2^53-1"),
        ))
    }
}

/// The wasm linear memory, for the JS side's view of [`RawEngine::out_ptr`].
#[wasm_bindgen(js_name = rawMemory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Names the JS side uses to decode the packed results of [`RawEngine::check`], as JSON:
/// `{"reasons": [..], "resetPeriods": [..]}`, code `i` at index `i` (0 = none). Taken
/// from the core so that the two sides cannot drift.
#[wasm_bindgen(js_name = rawTables, skip_typescript)]
pub fn tables() -> String {
    // Written by hand: serde_json's `Value` machinery costs 10 KB of wasm for this.
    fn list<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
        out.push_str("[\"\"");
        for name in names {
            out.push_str(",\"");
            out.push_str(name);
            out.push('"');
        }
        out.push(']');
    }
    let mut out = String::from("{\"reasons\":");
    list(&mut out, engine::REASONS.iter().map(|r| r.as_str()));
    out.push_str(",\"resetPeriods\":");
    list(&mut out, engine::PERIODS.iter().map(|p| p.as_str()));
    out.push('}');
    out
}
