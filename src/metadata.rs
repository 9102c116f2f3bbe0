//! The free-form string maps (`metadata`) of features, products, plans and add-ons
//! (SEMANTICS section 1): keys sorted and unique; a key repeated in JSON keeps its last
//! value.

/// A string map with sorted, unique keys.
pub type Metadata = std::collections::BTreeMap<String, String>;
