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
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} cannot be read: {e}", dir.display()));
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

#[test]
fn snapshot_decode_regressions_are_errors_or_snapshots() {
    let (mut decoded, mut refused) = (0, 0);
    for input in inputs("snapshot_decode") {
        match Snapshot::decode(&input) {
            Ok(s) => {
                // Whatever decodes must re-encode to something that decodes the same way.
                let again = Snapshot::decode(&s.encode()).unwrap();
                assert_eq!(again.info(), s.info());
                decoded += 1;
            }
            Err(_) => refused += 1,
        }
    }
    // The kept inputs hold valid snapshots and broken ones: both paths must be reached.
    assert!(
        decoded > 0 && refused > 0,
        "{decoded} decoded, {refused} refused"
    );
}

#[test]
fn catalog_json_regressions_never_panic() {
    let mut built = 0;
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
            built += 1;
        }
    }
    assert!(built > 0, "no kept input reached the snapshot build");
}
