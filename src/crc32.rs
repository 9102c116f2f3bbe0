//! CRC-32 (IEEE 802.3, the zlib/PNG polynomial) guarding snapshot payloads, so that a
//! flipped bit is reported as corruption instead of decoding to a different answer.

/// The CRC-32 of `bytes`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_standard_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::crc32(b""), 0);
    }
}
