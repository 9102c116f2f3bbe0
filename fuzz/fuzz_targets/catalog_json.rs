//! Arbitrary text as a catalog (and as a customer of the fuzzed catalog): errors, never panics.
#![no_main]
use edge_entitlements::{BuildOptions, CustomerState, Snapshot, Timestamp, ValidCatalog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (catalog_text, customer_text) = text.split_once('\u{1f}').unwrap_or((text, ""));
    let Ok(catalog) = ValidCatalog::from_json(catalog_text) else { return };
    let Ok(customer) = CustomerState::from_json(customer_text) else { return };
    let opts = BuildOptions { environment: "fuzz", version: 1, catalog_version: 1, now: Timestamp::EPOCH };
    if let Ok(snapshot) = Snapshot::build(&catalog, customer, opts) {
        let decoded = Snapshot::decode(&snapshot.encode());
        assert!(decoded.is_ok(), "a built snapshot must decode: {decoded:?}");
    }
});
