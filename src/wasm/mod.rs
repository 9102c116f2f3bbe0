//! The npm package face (feature `wasm`): the core behind a small, fast JS surface.
//!
//! The package's public API (`EntitlementsClient`, `validateCatalog`, `buildSnapshot`,
//! `EntitlementsError`) lives in `js/client.js`, a wasm-bindgen snippet, over the raw
//! exports of this module. The split is for speed: a check must cross the boundary
//! once and build only the object it returns, which is done best on the JS side from
//! a few numbers (see [`engine`]). Building a result with `Reflect::set` from Rust
//! costs one boundary crossing per field.
//!
//! Inputs and outputs other than a check's result cross as JS values through
//! `serde-wasm-bindgen` (catalogs, customer states, snapshot metadata, features, error
//! details): no JSON text in between. The check result's packed layout is defined once,
//! in [`engine::Layout`], and handed to `js/client.js` by [`layout`].
//!
//! Every error reaching JS is made by [`error::to_js`], the one conversion, as an
//! `EntitlementsError` (a JS `Error` subclass with `code`, `path` and `details`).

#[cfg(feature = "wasm-build")]
pub mod build;
pub mod engine;
pub mod error;

use wasm_bindgen::prelude::*;

/// The allocator of the npm package: lol_alloc's free list (address-ordered, merging
/// neighbours) is a few hundred bytes of wasm where std's dlmalloc is about 8 KB, and
/// the package allocates little (a decoded snapshot reuses its buffers). The spin lock
/// is never contended: wasm32 without threads runs one thread. Only for wasm32, so native
/// `cargo test --features wasm` keeps the system allocator.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[cfg(feature = "wasm-build")]
pub use build::{build_snapshot, validate_catalog};
pub use engine::RawEngine;

/// A JS value of `value`: objects as plain objects, 64-bit integers as numbers.
pub(crate) fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// The wasm linear memory, for the JS side's view of [`RawEngine::out_ptr`].
#[wasm_bindgen(js_name = rawMemory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The layout of [`RawEngine::check`]'s packed result ([`engine::Layout`]): flags, output
/// slots, kinds and the names of reason and period codes. `js/client.js` reads every
/// field of it when it binds, and refuses to start when one is missing.
#[wasm_bindgen(js_name = rawLayout, skip_typescript)]
pub fn layout() -> JsValue {
    to_js(&engine::LAYOUT)
}
