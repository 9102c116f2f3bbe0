//! Replays every input kept under `fuzz/regressions/<target>/` (crashes and interesting
//! inputs found by `cargo fuzz`, see fuzz/README.md) as a plain test, so a fixed crash
//! stays fixed without the nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use edge_entitlements::{BuildOptions, CustomerState, Snapshot, Timestamp, ValidCatalog};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

#[test]
fn snapshot_decode_regressions_are_errors_or_snapshots() {
    for input in inputs("snapshot_decode") {
        if let Ok(s) = Snapshot::decode(&input) {
            // Whatever decodes must re-encode to something that decodes the same way.
            let again = Snapshot::decode(&s.encode()).unwrap();
            assert_eq!(again.info(), s.info());
        }
    }
}

#[test]
fn catalog_json_regressions_never_panic() {
    for input in inputs("catalog_json") {
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        let (catalog_text, customer_text) = text.split_once('\u{1f}').unwrap_or((text, ""));
        let Ok(catalog) = ValidCatalog::from_json(catalog_text) else {
            continue;
        };
        let Ok(customer) = CustomerState::from_json(customer_text) else {
            continue;
        };
        let opts = BuildOptions {
            environment: "fuzz",
            version: 1,
            catalog_version: 1,
            now: Timestamp::EPOCH,
        };
        if let Ok(snapshot) = Snapshot::build(&catalog, customer, opts) {
            Snapshot::decode(&snapshot.encode()).unwrap();
        }
    }
}
