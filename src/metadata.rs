//! The free-form string maps (`metadata`) of features, products, plans and add-ons.
//!
//! Why not `BTreeMap<String, String>`: the B-tree's code was 6 KB of the WebAssembly
//! download for maps that hold a handful of entries and are only read, written and
//! compared whole. [`Metadata`] keeps the same behaviour (keys sorted and unique, a
//! repeated key keeps its last value) in a sorted `Vec`, and serde still reads and
//! writes it as a JSON object.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string map with sorted, unique keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata(Vec<(String, String)>);

impl Metadata {
    /// An empty map.
    pub fn new() -> Metadata {
        Metadata(Vec::new())
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self
                .0
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v.as_str())
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromIterator<(String, String)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(entries: I) -> Metadata {
        let mut m = Metadata::new();
        for (k, v) in entries {
            m.insert(k, v);
        }
        m
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Metadata;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metadata, A::Error> {
                let mut m = Metadata::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    m.insert(k, v);
                }
                Ok(m)
            }
        }
        d.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_the_last_value() {
        let m: Metadata = [("b", "1"), ("a", "2"), ("b", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(m.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "3")]);
        assert_eq!(m.get("b"), Some("3"));
        assert_eq!(format!("{m:?}"), r#"{"a": "2", "b": "3"}"#);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"a":"2","b":"3"}"#);
        let back: Metadata = serde_json::from_str(r#"{"b":"x","a":"y","b":"z"}"#).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), [("a", "y"), ("b", "z")]);
        assert!(serde_json::from_str::<Metadata>(r#"{"a":1}"#).is_err());
    }
}
