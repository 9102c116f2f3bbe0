//! The one conversion from the core's [`Error`] to a JS `EntitlementsError`.

use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/js/client.js")]
extern "C" {
    /// `new EntitlementsError(code, message, path, details)` (see `js/client.js`);
    /// `details` is the array of `{ path, message }`.
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(code: &str, message: &str, path: Option<String>, details: JsValue) -> JsValue;
}

/// The JS `EntitlementsError` for `err`: `code`, `message` (the first violation, and how
/// many more), `path` of the first violation when it has one, and every violation as
/// `details: [{ path, message }]`.
pub fn to_js(err: Error) -> JsValue {
    make_error(
        err.code.as_str(),
        &err.to_string(),
        err.path().map(str::to_string),
        super::to_js(&err.violations),
    )
}
