//! The feature table: every feature of a catalog and an index from id to position.
//!
//! The index stores positions only and compares against the features' own ids, so
//! building it clones no strings; a lookup is one Fx hash of the id and one compare.
//! This is the first step of every check, so it is kept this small on purpose.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use hashbrown::HashTable;

use crate::catalog::Feature;

/// Index of a feature in its table.
pub(crate) type FeatureIdx = u32;

type Fx = BuildHasherDefault<IdHasher>;

/// Fast hashing of short ids (catalogs come from the operator's back end, not from
/// attackers): rustc-hash 2's `FxHasher`, the same hash values (a test checks), written without
/// slicing and `try_into().unwrap()`: those panic paths are never taken, but compiled
/// in they bring their messages, locations and `Debug` formatting into the wasm
/// (0.75 KB of the gzipped package).
#[derive(Clone, Copy, Default)]
pub(crate) struct IdHasher(usize);

#[cfg(target_pointer_width = "64")]
const K: usize = 0xf135_7aea_2e62_a9c5;
#[cfg(target_pointer_width = "32")]
const K: usize = 0x93d7_65dd;
#[cfg(target_pointer_width = "64")]
const ROTATE: u32 = 26;
#[cfg(target_pointer_width = "32")]
const ROTATE: u32 = 15;

impl IdHasher {
    #[inline]
    fn add(&mut self, i: usize) {
        self.0 = self.0.wrapping_add(i).wrapping_mul(K);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.write_u64(hash_bytes(bytes));
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as usize);
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as usize);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as usize);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i as usize);
        #[cfg(target_pointer_width = "32")]
        self.add((i >> 32) as usize);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(ROTATE) as u64
    }
}

const SEED1: u64 = 0x243f_6a88_85a3_08d3;
const SEED2: u64 = 0x1319_8a2e_0370_7344;
const PREVENT_TRIVIAL_ZERO_COLLAPSE: u64 = 0xa409_3822_299f_31d0;

#[inline]
fn multiply_mix(x: u64, y: u64) -> u64 {
    if cfg!(any(
        all(
            target_pointer_width = "64",
            not(any(target_arch = "sparc64", target_arch = "wasm64")),
        ),
        target_arch = "aarch64",
        target_arch = "x86_64",
        all(target_family = "wasm", target_feature = "wide-arithmetic"),
    )) {
        let full = u128::from(x).wrapping_mul(u128::from(y));
        (full as u64) ^ ((full >> 64) as u64)
    } else {
        let (lx, ly) = (x as u32, y as u32);
        let (hx, hy) = ((x >> 32) as u32, (y >> 32) as u32);
        let afull = u64::from(lx).wrapping_mul(u64::from(hy));
        let bfull = u64::from(hx).wrapping_mul(u64::from(ly));
        afull ^ bfull.rotate_right(32)
    }
}

fn u64_le(bytes: Option<&[u8; 8]>) -> u64 {
    bytes.map_or(0, |b| u64::from_le_bytes(*b))
}

fn u32_le(bytes: Option<&[u8; 4]>) -> u64 {
    bytes.map_or(0, |b| u64::from(u32::from_le_bytes(*b)))
}

/// The last `n` bytes (`last_chunk` would bring a `split_at` panic path).
fn tail(bytes: &[u8], n: usize) -> Option<&[u8]> {
    bytes.get(bytes.len().checked_sub(n)?..)
}

/// rustc-hash 2's `hash_bytes`; every `Option` below is `Some` for the lengths it is
/// taken at.
#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let mut s0 = SEED1;
    let mut s1 = SEED2;
    if len <= 16 {
        if len >= 8 {
            s0 ^= u64_le(bytes.first_chunk());
            s1 ^= u64_le(tail(bytes, 8).and_then(<[u8]>::first_chunk));
        } else if len >= 4 {
            s0 ^= u32_le(bytes.first_chunk());
            s1 ^= u32_le(tail(bytes, 4).and_then(<[u8]>::first_chunk));
        } else if len > 0 {
            let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
            s0 ^= at(0);
            s1 ^= (at(len - 1) << 8) | at(len / 2);
        }
    } else {
        let mut bulk = bytes.get(..len - 1).unwrap_or_default();
        while let Some((chunk, rest)) = bulk.split_first_chunk::<16>() {
            let x = u64_le(chunk.first_chunk());
            let y = u64_le(chunk.get(8..).and_then(<[u8]>::first_chunk));
            let t = multiply_mix(s0 ^ x, PREVENT_TRIVIAL_ZERO_COLLAPSE ^ y);
            s0 = s1;
            s1 = t;
            bulk = rest;
        }
        if let Some(suffix) = tail(bytes, 16) {
            s0 ^= u64_le(suffix.first_chunk());
            s1 ^= u64_le(suffix.get(8..).and_then(<[u8]>::first_chunk));
        }
    }
    multiply_mix(s0, s1) ^ (len as u64)
}

/// The crate's hash map: hashbrown's with the Fx hash. One hash-table implementation
/// for the whole crate (std's `HashMap` would add its own copy, 2 KB of wasm).
pub(crate) type HashMap<K, V> = hashbrown::HashMap<K, V, Fx>;
/// The crate's hash set (see [`HashMap`]).
pub(crate) type HashSet<K> = hashbrown::HashSet<K, Fx>;

/// Features with an id index.
#[derive(Clone, Debug, Default)]
pub struct FeatureTable {
    features: Vec<Feature>,
    index: HashTable<FeatureIdx>,
}

fn hash(id: &str) -> u64 {
    Fx::default().hash_one(id)
}

impl FeatureTable {
    /// Indexes `features`. Returns the table and the positions of ids that repeat an
    /// earlier one (the first occurrence is the one indexed).
    pub(crate) fn new(features: Vec<Feature>) -> (FeatureTable, Vec<usize>) {
        let mut index = HashTable::with_capacity(features.len());
        let mut repeats = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let h = hash(&f.id);
            let exists = index
                .find(h, |&j: &FeatureIdx| {
                    features.get(j as usize).is_some_and(|g| g.id == f.id)
                })
                .is_some();
            if exists {
                repeats.push(i);
            } else {
                index.insert_unique(h, i as FeatureIdx, |&j| {
                    features.get(j as usize).map_or(0, |g| hash(&g.id))
                });
            }
        }
        (FeatureTable { features, index }, repeats)
    }

    /// Position of the feature `id`.
    #[inline]
    pub(crate) fn idx(&self, id: &str) -> Option<FeatureIdx> {
        self.index
            .find(hash(id), |&j| {
                self.features.get(j as usize).is_some_and(|f| f.id == id)
            })
            .copied()
    }

    /// The feature at `idx`.
    #[inline]
    pub(crate) fn at(&self, idx: FeatureIdx) -> Option<&Feature> {
        self.features.get(idx as usize)
    }

    /// The feature `id`.
    pub fn get(&self, id: &str) -> Option<&Feature> {
        self.idx(id).and_then(|i| self.at(i))
    }

    /// Every feature, in catalog order.
    pub fn as_slice(&self) -> &[Feature] {
        &self.features
    }

    /// How many features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::Fx;

    /// Every length class of `hash_bytes` (empty, 1-3, 4-7, 8-16, longer, 16-byte
    /// multiples), and the integer writes, hash as rustc-hash 2 hashes them.
    #[test]
    fn id_hasher_is_rustc_hash() {
        let rustc = BuildHasherDefault::<rustc_hash::FxHasher>::default();
        let ours = Fx::default();
        let text = "feature-0123456789-abcdefghijklmnopqrstuvwxyz-ÄÖÜ-0123456789";
        for end in 0..=text.len() {
            if let Some(id) = text.get(..end) {
                assert_eq!(ours.hash_one(id), rustc.hash_one(id), "{id:?}");
                assert_eq!(
                    ours.hash_one(id.to_string()),
                    rustc.hash_one(id.to_string())
                );
            }
        }
        for n in [0u32, 1, 7, 255, 65_536, u32::MAX] {
            assert_eq!(ours.hash_one(n), rustc.hash_one(n));
            assert_eq!(
                ours.hash_one(u64::from(n) << 20),
                rustc.hash_one(u64::from(n) << 20)
            );
            assert_eq!(ours.hash_one(n as usize), rustc.hash_one(n as usize));
            assert_eq!(ours.hash_one(n as u8), rustc.hash_one(n as u8));
            assert_eq!(ours.hash_one(n as u16), rustc.hash_one(n as u16));
        }
    }
}
