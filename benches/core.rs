//! Core benchmarks (`cargo bench --bench core`): one check on a prepared snapshot (boolean,
//! metered, credit pool, priced feature), building a snapshot for a 50-feature catalog,
//! decoding + preparing it, and its size. Fixtures: `benches/fixtures/catalog-50.json` and
//! `customer-50.json` (a customer on a three-level plan that grants all 50 features, with
//! add-ons, promotions and usage; plus a credit pool with a monthly plan grant and
//! rollover, two one-off grants and a ledger, and a feature priced in it).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

// criterion is a native-only dev-dependency: for wasm32 (`cargo clippy --all-targets
// --target wasm32-unknown-unknown`) this bench is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::core);

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::sync::Arc;

    use criterion::{criterion_group, Criterion};
    use edge_entitlements::{
        BuildOptions, Check, CheckKind, CustomerState, Decoder, Evaluator, Prepared, Snapshot,
        Timestamp, ValidCatalog,
    };

    const CATALOG: &str = include_str!("fixtures/catalog-50.json");
    const CUSTOMER: &str = include_str!("fixtures/customer-50.json");

    fn now() -> Timestamp {
        Timestamp::parse("2026-03-15T12:00:00Z").unwrap()
    }

    fn fixtures() -> (ValidCatalog, CustomerState) {
        (
            ValidCatalog::from_json(CATALOG).unwrap(),
            CustomerState::from_json(CUSTOMER).unwrap(),
        )
    }

    /// The fixtures without the pool, the priced feature, the entitlements naming them,
    /// the grants, the ledger and the priced feature's usage.
    fn without_credits() -> (ValidCatalog, CustomerState) {
        use serde_json::Value;
        let credit = ["ai-credits", "image-gen"];
        let keep = |v: &Value| !credit.contains(&v["featureId"].as_str().unwrap_or(""));
        let mut catalog: Value = serde_json::from_str(CATALOG).unwrap();
        catalog["features"]
            .as_array_mut()
            .unwrap()
            .retain(|f| !credit.contains(&f["id"].as_str().unwrap_or("")));
        for plan in catalog["plans"].as_array_mut().unwrap() {
            plan["entitlements"].as_array_mut().unwrap().retain(keep);
        }
        let mut customer: Value = serde_json::from_str(CUSTOMER).unwrap();
        let map = customer.as_object_mut().unwrap();
        map.remove("creditGrants");
        map.remove("creditUsage");
        map["usage"].as_array_mut().unwrap().retain(keep);
        (
            ValidCatalog::from_json(&catalog.to_string()).unwrap(),
            CustomerState::from_json(&customer.to_string()).unwrap(),
        )
    }

    fn options() -> BuildOptions<'static> {
        BuildOptions {
            environment: "production",
            version: 7,
            catalog_version: 3,
            now: now(),
        }
    }

    fn benches(c: &mut Criterion) {
        let (catalog, customer) = fixtures();
        let snapshot = Snapshot::build(&catalog, customer.clone(), options()).unwrap();
        let bytes = snapshot.encode();
        let entitlements = 50 + 2 + 2; // plan entitlements (flattened) + add-ons + promotions
        println!(
            "snapshot size: {} bytes for {entitlements} entitlements ({:.1} bytes per entitlement); JSON form {} bytes",
            bytes.len(),
            bytes.len() as f64 / entitlements as f64,
            snapshot.to_json().to_string().len()
        );

        // The same customer without its credits (the fixture before issue 10), for the
        // bytes-per-entitlement figure across format versions.
        let (plain_catalog, plain_customer) = without_credits();
        let plain = Snapshot::build(&plain_catalog, plain_customer, options())
            .unwrap()
            .encode();
        println!(
            "snapshot size without the credit pool, priced feature and grants: {} bytes for 54 entitlements ({:.1} bytes per entitlement)",
            plain.len(),
            plain.len() as f64 / 54.0
        );

        let mut eval = Evaluator::new(Snapshot::decode(&bytes).unwrap().into_parts().1);
        let metered = Check {
            feature_id: "meter-31",
            kind: CheckKind::Metered,
            requested_usage: 1.0,
            fallback: None,
        };
        let boolean = Check {
            feature_id: "flag-7",
            kind: CheckKind::Boolean,
            requested_usage: 0.0,
            fallback: None,
        };
        let t = now();
        assert!(eval.check(t, &metered).has_access);
        c.bench_function("check/metered on a prepared snapshot", |b| {
            b.iter(|| black_box(eval.check(black_box(t), black_box(&metered)).has_access))
        });
        // Credits (SEMANTICS section 7): a pool with a plan grant (rollover) and two
        // one-off grants, and a feature priced in it.
        let credit = Check {
            feature_id: "ai-credits",
            kind: CheckKind::Credit,
            requested_usage: 10.0,
            fallback: None,
        };
        let priced = Check {
            feature_id: "image-gen",
            kind: CheckKind::Metered,
            requested_usage: 3.0,
            fallback: None,
        };
        assert!(eval.check(t, &credit).has_access);
        assert!(eval.check(t, &priced).has_access);
        c.bench_function(
            "check/credit (pool, grants and draws) on a prepared snapshot",
            |b| b.iter(|| black_box(eval.check(black_box(t), black_box(&credit)).has_access)),
        );
        c.bench_function(
            "check/metered of a priced feature on a prepared snapshot",
            |b| b.iter(|| black_box(eval.check(black_box(t), black_box(&priced)).has_access)),
        );
        c.bench_function("check/boolean on a prepared snapshot", |b| {
            b.iter(|| black_box(eval.check(black_box(t), black_box(&boolean)).has_access))
        });
        c.bench_function("resolve/all 50 features at a new instant", |b| {
            let prepared = eval.prepared().clone();
            b.iter(|| black_box(prepared.resolve(black_box(t))))
        });
        c.bench_function("snapshot/build (50-feature catalog)", |b| {
            b.iter(|| Snapshot::build(black_box(&catalog), customer.clone(), options()).unwrap())
        });
        c.bench_function("snapshot/encode", |b| {
            b.iter(|| black_box(snapshot.encode()))
        });
        c.bench_function("snapshot/decode + prepare", |b| {
            b.iter(|| Snapshot::decode(black_box(&bytes)).unwrap())
        });
        c.bench_function(
            "snapshot/decode + prepare, the fixture without credits",
            |b| b.iter(|| Snapshot::decode(black_box(&plain)).unwrap()),
        );
        // The next snapshot of the same catalog (a live client receiving a usage push):
        // a `Decoder` shares the features of the previous one.
        let next = Snapshot::build(
            &catalog,
            customer.clone(),
            BuildOptions {
                version: 8,
                ..options()
            },
        )
        .unwrap()
        .encode();
        let mut decoder = Decoder::new();
        decoder.decode(&bytes).unwrap();
        c.bench_function("snapshot/decode + prepare, next of the same catalog", |b| {
            b.iter(|| decoder.decode(black_box(&next)).unwrap())
        });
        c.bench_function("catalog/validate 50 features from JSON", |b| {
            b.iter(|| ValidCatalog::from_json(black_box(CATALOG)).unwrap())
        });
        let arc = Arc::new(catalog.clone());
        c.bench_function("customer/validate + prepare", |b| {
            b.iter(|| Prepared::new(arc.clone(), customer.clone()).unwrap())
        });
    }

    criterion_group! {
        name = core;
        config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
        targets = benches
    }
}
