//! Arbitrary payloads behind a valid header and checksum, so the fuzzer reaches the
//! payload decoder and the content validation instead of stopping at the CRC.
#![no_main]
use edge_entitlements::snapshot::{FORMAT_VERSION, MAGIC};
use edge_entitlements::{Evaluator, Snapshot, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let mut bytes = Vec::with_capacity(payload.len() + 10);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    if let Ok(snapshot) = Snapshot::decode(&bytes) {
        let _ = snapshot.to_json();
        let mut eval = Evaluator::new(snapshot.into_parts().1);
        for ms in [0, 1_773_532_800_000, 253_402_300_799_999] {
            if let Some(now) = Timestamp::from_millis(ms) {
                let _ = eval.entitlements(now);
            }
        }
    }
});
