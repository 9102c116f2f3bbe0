// Writes the TypeScript declarations of the engine's inputs (Catalog, CustomerState and the
// types they use) from their JSON Schema, as `cargo run --example json_schema --features
// schema` prints it from the Rust types, with json-schema-to-typescript from npm.
//   node scripts/schema-to-ts.mjs SCHEMA.json OUT.d.ts
import { readFileSync, writeFileSync } from "node:fs";
import { compile } from "json-schema-to-typescript";

const [schemaPath, out] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ts = await compile(schema, "EngineInputs", {
  bannerComment:
    "// Generated from the Rust types' JSON Schema (examples/json_schema.rs) by scripts/schema-to-ts.mjs: do not edit.",
  additionalProperties: false,
  declareExternallyReferenced: true,
  unreachableDefinitions: true,
  format: false,
});
writeFileSync(out, ts);
