//! Lists read without trusting their declared length. serde preallocates up to 1 MiB for
//! a list from the length its input declares, so a crafted snapshot of a few bytes could
//! make the reader allocate a megabyte before failing. [`Vec`] reads elements one by one
//! and grows as they arrive: every element costs at least one byte of input, so what a
//! snapshot allocates stays in proportion to its size (`tests/snapshot_alloc.rs`
//! measures the ratio).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list, read element by element (see the module docs); written as any list.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Vec<T>(pub std::vec::Vec<T>);

impl<T: Serialize> Serialize for Vec<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Vec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Elements<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Elements<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = std::vec::Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(Vec(out))
            }
        }
        d.deserialize_seq(Elements(PhantomData))
    }
}

/// `#[serde(deserialize_with = "crate::snapshot::bounded::list")]` for `Vec` fields of
/// types that a snapshot carries (the customer state's lists).
pub(crate) fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<std::vec::Vec<T>, D::Error> {
    Vec::deserialize(d).map(|v| v.0)
}
