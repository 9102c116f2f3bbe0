//! The building half of the npm package (feature `wasm-build`): `validateCatalog` and
//! `buildSnapshot` over JS values. Browsers that only check and `connect()` load the
//! package's client entry, built without it.

use wasm_bindgen::prelude::*;

use super::error;
use crate::error::{Error, ErrorCode};
use crate::snapshot::{BuildOptions, Snapshot};
use crate::time::Timestamp;
use crate::{CustomerState, ValidCatalog};

/// A catalog or customer state from a JS value, with the path of a shape error. The
/// value is read into a `serde_json::Value` first (serde-wasm-bindgen reads only the
/// fields a struct names, so it would let unknown fields through `deny_unknown_fields`),
/// then into `T`: no JSON text in between.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, code: ErrorCode) -> Result<T, Error> {
    let tree: serde_json::Value = serde_wasm_bindgen::from_value(value)
        .map_err(|e| Error::new(code, "", format!("not a JSON-like value: {e}")))?;
    crate::json::from_deserializer(tree, code)
}

/// Validates a catalog (a JS object); throws `EntitlementsError` (`invalid_catalog`).
#[wasm_bindgen(js_name = rawValidateCatalog, skip_typescript)]
pub fn validate_catalog(catalog: JsValue) -> Result<(), JsValue> {
    from_js(catalog, ErrorCode::InvalidCatalog)
        .and_then(ValidCatalog::new)
        .map(|_| ())
        .map_err(error::to_js)
}

/// Builds the binary snapshot of a customer state against a catalog (JS objects).
#[wasm_bindgen(js_name = rawBuildSnapshot, skip_typescript)]
pub fn build_snapshot(
    catalog: JsValue,
    customer: JsValue,
    environment: &str,
    version: f64,
    catalog_version: f64,
    now: f64,
) -> Result<Vec<u8>, JsValue> {
    let built = || -> Result<Vec<u8>, Error> {
        let version = whole_number(version, "version")?;
        let catalog_version = whole_number(catalog_version, "catalogVersion")?;
        let now = Timestamp::from_millis_f64(now).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                "now",
                "`now` is not a valid date",
            )
        })?;
        let catalog = ValidCatalog::new(from_js(catalog, ErrorCode::InvalidCatalog)?)?;
        let state: CustomerState = from_js(customer, ErrorCode::InvalidCustomer)?;
        let opts = BuildOptions {
            environment,
            version,
            catalog_version,
            now,
        };
        Ok(Snapshot::build(&catalog, state, opts)?.encode())
    };
    built().map_err(error::to_js)
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
