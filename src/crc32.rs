//! CRC-32 (IEEE 802.3, the zlib/PNG polynomial) guarding snapshot payloads, so that a
//! flipped bit is reported as corruption instead of decoding to a different answer.
//!
//! One byte at a time over a 1 KiB table built at compile time: snapshots are a few KiB
//! and decoded once per update, and the npm package ships this table instead of the
//! 16 KiB of slicing-by-16 tables (plus SIMD code) of a general-purpose crate.

const POLY: u32 = 0xEDB8_8320;

const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// The CRC-32 of `bytes`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_standard_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::crc32(b""), 0);
    }

    #[test]
    fn matches_crc32fast() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [1, 15, 16, 17, 255, 1024, 5000] {
            assert_eq!(super::crc32(&data[..len]), crc32fast::hash(&data[..len]));
        }
    }
}
