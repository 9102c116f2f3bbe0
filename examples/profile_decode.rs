#![allow(missing_docs, clippy::unwrap_used)]
use edge_entitlements::*;
fn main() {
    let catalog = ValidCatalog::from_json(include_str!("../benches/fixtures/catalog-50.json")).unwrap();
    let customer = CustomerState::from_json(include_str!("../benches/fixtures/customer-50.json")).unwrap();
    let now = Timestamp::parse("2026-03-15T12:00:00Z").unwrap();
    let opts = BuildOptions { environment: "p", version: 1, catalog_version: 1, now };
    let snap = Snapshot::build(&catalog, customer, opts).unwrap();
    let bytes = snap.encode();
    let mut n = 0;
    for _ in 0..std::env::args().nth(1).unwrap().parse::<u32>().unwrap() { n += Snapshot::decode(&bytes).unwrap().info().version; }
    println!("{n}");
}
