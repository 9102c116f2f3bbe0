//! Arbitrary bytes into `Snapshot::decode`: must return an error or a snapshot, never panic.
#![no_main]
use edge_entitlements::{Check, CheckKind, Evaluator, Snapshot, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(snapshot) = Snapshot::decode(data) {
        let mut eval = Evaluator::new(snapshot.into_parts().1);
        let now = Timestamp::from_millis(1_773_532_800_000).unwrap_or(Timestamp::EPOCH);
        let _ = eval.entitlements(now);
        let _ = eval.check(now, &Check { feature_id: "x", kind: CheckKind::Metered, requested_usage: 1.0, fallback: None });
    }
});
