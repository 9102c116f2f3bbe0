//! The demo's seed data (`www/demo/`) is valid: the catalog validates and every demo
//! customer fits it, so `npm run dev` never seeds something the Worker would reject.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use edge_entitlements::{BuildOptions, CustomerState, Snapshot, Timestamp, ValidCatalog};

#[test]
fn demo_catalog_and_customers_are_valid() {
    let catalog = ValidCatalog::from_json(include_str!("../www/demo/catalog.json"))
        .unwrap_or_else(|e| panic!("demo catalog: {e}"));
    let customers: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../www/demo/customers.json")).unwrap();
    assert!(
        customers.len() >= 5,
        "free, pro with add-ons, enterprise, trial, credits"
    );
    let now = Timestamp::parse("2026-11-26T12:00:00Z").unwrap();
    for c in customers {
        // The trial's dates are filled in when seeding: about to end, relative to now.
        let text = c
            .to_string()
            .replace("__TRIAL_START__", "2026-11-12T12:00:00Z")
            .replace("__TRIAL_END__", "2026-11-26T12:05:00Z")
            .replace("__CREDIT_START__", "2026-10-17T12:00:00Z")
            .replace("__TOP_UP_END__", "2026-11-26T12:15:00Z")
            .replace("__TOP_UP_ID__", "top-up-1");
        let state = CustomerState::from_json(&text).unwrap();
        let opts = BuildOptions {
            environment: "development",
            version: 1,
            catalog_version: 1,
            now,
        };
        let id = state.id.clone();
        let snapshot = Snapshot::build(&catalog, state, opts)
            .unwrap_or_else(|e| panic!("demo customer `{id}`: {e}"));
        assert!(Snapshot::decode(&snapshot.encode()).is_ok());
    }
}
