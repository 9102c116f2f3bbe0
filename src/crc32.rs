//! CRC-32 (IEEE 802.3, the zlib/PNG polynomial) guarding snapshot payloads, so that a
//! flipped bit is reported as corruption instead of decoding to a different answer.
//!
//! Natively, slicing-by-8 over tables derived at first use from a 1 KiB table built at
//! compile time: the checksum was 7% of decoding a snapshot byte by byte. In WebAssembly
//! it goes byte by byte over that one table, because there the download size counts
//! more (the derived tables' setup costs 1.3 KB of wasm), and the npm package ships
//! 1 KiB of table instead of the 16 KiB (plus SIMD code) of a general-purpose crate.

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

/// Slicing-by-8: `SLICES[k][b]` is the CRC of byte `b` followed by `k` zero bytes, so
/// eight bytes are folded in with eight independent lookups. Derived from [`TABLE`]
/// at first use rather than at compile time, so that the npm package ships 1 KiB of
/// table, not 8.
#[cfg(not(target_arch = "wasm32"))]
static SLICES: std::sync::OnceLock<[[u32; 256]; 8]> = std::sync::OnceLock::new();

#[cfg(not(target_arch = "wasm32"))]
fn slices() -> &'static [[u32; 256]; 8] {
    SLICES.get_or_init(|| {
        let mut t = [TABLE; 8];
        for k in 1..8 {
            let prev = t[k - 1];
            for (slot, p) in t[k].iter_mut().zip(prev) {
                *slot = TABLE[usize::from(p as u8)] ^ (p >> 8);
            }
        }
        t
    })
}

/// The CRC-32 of `bytes`, one byte at a time (the WebAssembly build).
#[cfg(target_arch = "wasm32")]
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &b| {
        TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8)
    })
}

/// The CRC-32 of `bytes`, eight bytes at a time.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    let t = slices();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let at = |k: usize, x: u32| t[k][(x & 0xff) as usize];
        crc = at(7, lo)
            ^ at(6, lo >> 8)
            ^ at(5, lo >> 16)
            ^ at(4, lo >> 24)
            ^ at(3, c[4].into())
            ^ at(2, c[5].into())
            ^ at(1, c[6].into())
            ^ at(0, c[7].into());
    }
    for &b in chunks.remainder() {
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
