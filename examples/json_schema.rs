//! Prints the JSON Schemas (draft 2020-12) of the engine's inputs, the catalog
//! (SEMANTICS section 1) and the customer state (section 2), as made from their serde
//! derives: one schema whose `$defs` hold `Catalog`, `CustomerState` and every type they
//! use. The npm package's TypeScript declarations of these inputs are generated from it
//! (scripts/build-pkg.sh, with json-schema-to-typescript), so they cannot drift from what
//! the engine reads.
//!
//! `cargo run --quiet --example json_schema --features schema`

use edge_entitlements::{Catalog, CustomerState};

fn main() {
    let mut generator = schemars::SchemaGenerator::default();
    let catalog = generator.subschema_for::<Catalog>();
    let customer = generator.subschema_for::<CustomerState>();
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "EngineInputs",
        "description": "The engine's inputs: a catalog and a customer state.",
        "type": "object",
        "properties": { "catalog": catalog, "customerState": customer },
        "$defs": generator.take_definitions(true),
    });
    println!("{schema:#}");
}
