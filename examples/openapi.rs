//! Prints the OpenAPI 3.1 description of the Worker API, made from the Worker's route
//! table and the Rust types' JSON Schemas (`src/worker/openapi.rs`). The committed copy,
//! which the Worker serves at `GET /v1/openapi.json`, is checked against it by a test:
//!
//! `cargo run --quiet --example openapi --features worker,schema > src/worker/openapi.json`

fn main() -> Result<(), String> {
    let doc = edge_entitlements::worker::openapi::generate()?;
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
