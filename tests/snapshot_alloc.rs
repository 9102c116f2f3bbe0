//! What decoding a snapshot may allocate (API section 1: bytes from elsewhere must never
//! make the reader misbehave). A counting global allocator (`cap`) measures the bytes
//! allocated while `Snapshot::decode` runs, for real snapshots and for crafted ones
//! (lists whose declared length is huge, lists of minimal elements, random payloads
//! behind a valid checksum), and checks it against the input's size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::System;

use cap::Cap;
use edge_entitlements::snapshot::{FORMAT_VERSION, MAGIC};
use edge_entitlements::{BuildOptions, CustomerState, Snapshot, Timestamp, ValidCatalog};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Bytes allocated in all (freed or not) while decoding `bytes`: at least the peak.
/// Every measurement runs in the one test below, so no other test allocates meanwhile.
fn allocated_by_decode(bytes: &[u8]) -> usize {
    let before = ALLOCATOR.total_allocated();
    let decoded = Snapshot::decode(bytes);
    let total = ALLOCATOR.total_allocated() - before;
    drop(decoded);
    total
}

/// The most decoding may allocate, in all (freed bytes included), per byte of input.
/// Real snapshots take about 15 (the 50-feature fixture: 14.7). The worst case is a long
/// list of minimal elements: a feature encoded in 9 bytes is a 168-byte struct in memory
/// (six optional strings take one byte each on the wire, 24 each in memory), a list
/// grows by doubling, and every repeated id is a violation with its message: about 87
/// per byte in all for 10,000 such features, of which about half is live at any moment.
/// Trusting declared lengths (serde's default preallocation, up to 1 MiB per list) would
/// allocate tens of thousands of bytes per byte of a crafted input.
const BYTES_PER_INPUT_BYTE: usize = 100;
/// Plus a constant: the customer, the feature table's index and their bookkeeping.
const CONSTANT: usize = 4096;

fn with_header(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn fixture() -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |f: &str| std::fs::read_to_string(root.join("benches/fixtures").join(f)).unwrap();
    let catalog = ValidCatalog::from_json(&read("catalog-50.json")).unwrap();
    let customer = CustomerState::from_json(&read("customer-50.json")).unwrap();
    let opts = BuildOptions {
        environment: "production",
        version: 1,
        catalog_version: 1,
        now: Timestamp::parse("2026-03-15T00:00:00Z").unwrap(),
    };
    Snapshot::build(&catalog, customer, opts).unwrap().encode()
}

fn check(name: &str, bytes: &[u8]) -> usize {
    let peak = allocated_by_decode(bytes);
    let bound = BYTES_PER_INPUT_BYTE * bytes.len() + CONSTANT;
    assert!(
        peak <= bound,
        "{name}: decoding {} bytes allocated {peak} bytes at peak (bound {bound})",
        bytes.len()
    );
    peak
}

fn real_snapshots_stay_in_proportion() {
    let bytes = fixture();
    let peak = check("the 50-feature fixture", &bytes);
    eprintln!(
        "fixture: {} bytes, {peak} bytes allocated while decoding ({:.1} per byte)",
        bytes.len(),
        peak as f64 / bytes.len() as f64
    );
}

fn declared_lengths_are_not_trusted() {
    // info: customerId "a", environment "e", version 1, catalogVersion 1, issuedAt 0,
    // validUntil none; then a features blob claiming 2^62 features in 3 bytes.
    let mut payload = vec![1, b'a', 1, b'e', 1, 1, 0, 0];
    let mut blob = Vec::new();
    varint(1 << 62, &mut blob);
    varint(blob.len() as u64, &mut payload);
    payload.extend_from_slice(&blob);
    // plans: 2^40 of them, in no bytes at all.
    varint(1 << 40, &mut payload);
    let bytes = with_header(&payload);
    assert!(Snapshot::decode(&bytes).is_err());
    check("lists claiming 2^62 and 2^40 elements", &bytes);
    // A features blob that declares as many features as it has bytes, all garbage:
    // postcard lets a reader preallocate that many (each costs a 168-byte struct).
    let mut blob = Vec::new();
    varint(4000, &mut blob);
    blob.extend(std::iter::repeat_n(0xff, 4000));
    let mut payload = vec![1, b'a', 1, b'e', 1, 1, 0, 0];
    varint(blob.len() as u64, &mut payload);
    payload.extend_from_slice(&blob);
    payload.extend_from_slice(&[0, 0, 0, 1, b'a', 0, 0, 0, 0]);
    let bytes = with_header(&payload);
    assert!(Snapshot::decode(&bytes).is_err());
    check("a list declaring one element per byte", &bytes);
}

fn lists_of_minimal_elements_stay_in_proportion() {
    // A features blob of N features with one-byte ids and nothing else: the smallest
    // encoding per element that a reader must hold in memory.
    for n in [1usize, 100, 10_000] {
        let mut blob = Vec::new();
        varint(n as u64, &mut blob);
        for _ in 0..n {
            // id "x", type boolean (0), then meter, displayName, description, units,
            // unitsPlural, metadata all absent.
            blob.extend_from_slice(&[1, b'x', 0, 0, 0, 0, 0, 0, 0]);
        }
        let mut payload = vec![1, b'a', 1, b'e', 1, 1, 0, 0];
        varint(blob.len() as u64, &mut payload);
        payload.extend_from_slice(&blob);
        // No plans, add-ons or granted terms; customer "a", not archived, no lists.
        payload.extend_from_slice(&[0, 0, 0, 1, b'a', 0, 0, 0, 0]);
        let bytes = with_header(&payload);
        let peak = check(&format!("{n} minimal features"), &bytes);
        eprintln!(
            "{n} minimal features: {} bytes, peak {peak} ({:.1} per byte)",
            bytes.len(),
            peak as f64 / bytes.len() as f64
        );
    }
}

fn mutated_and_arbitrary_payloads_stay_in_proportion() {
    let real = fixture();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 300,
        ..ProptestConfig::default()
    });
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8);
    runner
        .run(&edits, |edits| {
            let mut payload = real[10..].to_vec();
            for (at, b) in edits {
                let i = at.index(payload.len());
                payload[i] = b;
            }
            check("a mutated snapshot", &with_header(&payload));
            Ok(())
        })
        .unwrap();
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..600), |payload| {
            check("an arbitrary payload", &with_header(&payload));
            Ok(())
        })
        .unwrap();
}

/// One test, so that nothing else allocates while a decode is measured.
#[test]
fn decoding_allocates_in_proportion_to_the_input() {
    real_snapshots_stay_in_proportion();
    declared_lengths_are_not_trusted();
    lists_of_minimal_elements_stay_in_proportion();
    mutated_and_arbitrary_payloads_stay_in_proportion();
}
