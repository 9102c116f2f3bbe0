//! The feature table: every feature of a catalog and an index from id to position.
//!
//! The index stores positions only and compares against the features' own ids, so
//! building it clones no strings; a lookup is one Fx hash of the id (rustc-hash) and one
//! compare.
//! This is the first step of every check, so it is kept this small on purpose.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::catalog::Feature;

/// Index of a feature in its table.
pub(crate) type FeatureIdx = u32;

/// Fast hashing of short ids (catalogs come from the operator's back end, not from
/// attackers): rustc-hash's Fx hash.
type Fx = FxBuildHasher;

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
    /// The credit pools (section 7), in catalog order.
    pools: Vec<FeatureIdx>,
    /// By feature index, what it spends (see [`FeatureTable::spends`]); empty when the
    /// catalog has no pools.
    spends: Vec<Option<(FeatureIdx, crate::credits::Credits)>>,
}

fn hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
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
        let pools = features
            .iter()
            .enumerate()
            .filter(|(_, f)| f.feature_type == crate::catalog::FeatureType::Credit)
            .map(|(i, _)| i as FeatureIdx)
            .collect();
        let mut table = FeatureTable {
            features,
            index,
            pools,
            spends: Vec::new(),
        };
        if !table.pools.is_empty() {
            table.spends = (0..table.features.len() as FeatureIdx)
                .map(|i| table.find_spends(i))
                .collect();
        }
        (table, repeats)
    }

    /// The credit pools (features of type `credit`), in catalog order.
    pub(crate) fn pools(&self) -> &[FeatureIdx] {
        &self.pools
    }

    /// What the feature at `idx` spends (section 7): its own pool at 1 credit per credit
    /// for a pool, `creditCost`'s pool and `perUnit` for a priced feature, `None` for
    /// any other feature (or a price naming no pool, which validation refuses).
    #[inline]
    pub(crate) fn spends(&self, idx: FeatureIdx) -> Option<(FeatureIdx, crate::credits::Credits)> {
        self.spends.get(idx as usize).copied().flatten()
    }

    fn find_spends(&self, idx: FeatureIdx) -> Option<(FeatureIdx, crate::credits::Credits)> {
        let f = self.at(idx)?;
        if f.feature_type == crate::catalog::FeatureType::Credit {
            return Some((idx, crate::credits::Credits::ONE));
        }
        let cost = f.credit_cost.as_ref()?;
        let pool = self.idx(&cost.credit_id)?;
        (self.at(pool)?.feature_type == crate::catalog::FeatureType::Credit)
            .then_some((pool, cost.per_unit))
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
