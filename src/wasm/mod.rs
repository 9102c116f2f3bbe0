//! The npm package face (feature `wasm`): JS classes and functions over the core.
