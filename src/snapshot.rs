//! Snapshots (API section 1): everything needed to answer every check for one customer
//! of one environment, offline, at any instant.
//!
//! Content: metadata, the slice of the catalog the customer uses (its plans with their
//! ancestors, its add-ons, their products) plus **every feature definition** of the
//! catalog, and the customer state. Keeping all features (small: id and type) is what
//! makes a snapshot answer exactly as the catalog would: a check of a feature the
//! customer lacks is `NoFeatureEntitlementInSubscription`, not `FeatureNotFound`.
//!
//! Binary form: `MAGIC` (4 bytes), format version (u16 LE), CRC-32 of the payload (u32
//! LE), then the postcard payload. Decoding checks each in turn and then validates the
//! content exactly as a catalog and customer are validated, so foreign, truncated,
//! corrupt or future bytes are an error, never a panic and never a wrong answer.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, ValidCatalog};
use crate::crc32::crc32;
use crate::customer::CustomerState;
use crate::error::{Error, ErrorCode, Result};
use crate::resolve::Prepared;
use crate::time::Timestamp;

/// The first bytes of every binary snapshot.
pub const MAGIC: [u8; 4] = *b"EEsn";
/// The binary format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 4 + 2 + 4;

/// A snapshot's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// The customer it answers for.
    pub customer_id: String,
    /// The environment it belongs to.
    pub environment: String,
    /// Monotonic version: higher is newer.
    pub version: u64,
    /// Version of the catalog it was built from.
    pub catalog_version: u64,
    /// When it was built.
    pub issued_at: Timestamp,
    /// The next instant at which some answer changes by itself (period rollover,
    /// trial or subscription end, promotion start or expiry); `None` if never.
    pub valid_until: Option<Timestamp>,
}

/// Options of [`Snapshot::build`].
#[derive(Clone, Copy, Debug)]
pub struct BuildOptions<'a> {
    /// Environment name.
    pub environment: &'a str,
    /// Snapshot version (higher = newer).
    pub version: u64,
    /// Catalog version.
    pub catalog_version: u64,
    /// The instant it is issued at; `validUntil` is computed from it.
    pub now: Timestamp,
}

/// The serialized content. Generic so that encoding borrows and decoding owns.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Content<I, C, S> {
    info: I,
    catalog: C,
    customer: S,
}

/// A decoded (or freshly built) snapshot, prepared for evaluation.
#[derive(Clone, Debug)]
pub struct Snapshot {
    info: SnapshotInfo,
    prepared: Prepared,
}

impl Snapshot {
    /// Builds the snapshot of `state` against `catalog`. Fails with `invalid_customer`
    /// when the state does not fit the catalog.
    pub fn build(catalog: &ValidCatalog, state: CustomerState, opts: BuildOptions<'_>) -> Result<Snapshot> {
        // Validate against the whole catalog first, so errors speak of the real catalog.
        crate::customer::validate(catalog, &state)?;
        let slice = ValidCatalog::new(slice_for(catalog.catalog(), &state)).map_err(|e| Error {
            code: ErrorCode::InvalidCatalog,
            violations: e.violations,
        })?;
        let prepared = Prepared::new(Arc::new(slice), state)?;
        let valid_until = prepared.resolve(opts.now).valid_until();
        Ok(Snapshot {
            info: SnapshotInfo {
                customer_id: prepared.state().id.clone(),
                environment: opts.environment.to_string(),
                version: opts.version,
                catalog_version: opts.catalog_version,
                issued_at: opts.now,
                valid_until,
            },
            prepared,
        })
    }

    /// The metadata.
    pub fn info(&self) -> &SnapshotInfo {
        &self.info
    }

    /// The prepared customer, ready for an [`crate::Evaluator`].
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// Splits into metadata and prepared customer.
    pub fn into_parts(self) -> (SnapshotInfo, Prepared) {
        (self.info, self.prepared)
    }

    fn content(&self) -> Content<&SnapshotInfo, &Catalog, &CustomerState> {
        Content {
            info: &self.info,
            catalog: self.prepared.catalog().catalog(),
            customer: self.prepared.state(),
        }
    }

    /// The binary form: header and postcard payload.
    pub fn encode(&self) -> Vec<u8> {
        let payload = postcard::to_allocvec(&self.content()).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&crc32(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Decodes and validates the binary form.
    pub fn decode(bytes: &[u8]) -> Result<Snapshot> {
        let bad = |m: &str| Error::new(ErrorCode::InvalidSnapshot, "", m);
        if bytes.len() < HEADER_LEN {
            return Err(bad("snapshot is truncated: shorter than its header"));
        }
        let (header, payload) = bytes.split_at(HEADER_LEN);
        let (magic, rest) = header.split_at(4);
        if magic != MAGIC {
            return Err(bad("not a snapshot: wrong magic bytes"));
        }
        let (version, crc) = rest.split_at(2);
        let version = u16::from_le_bytes([
            version.first().copied().unwrap_or(0),
            version.get(1).copied().unwrap_or(0),
        ]);
        if version != FORMAT_VERSION {
            return Err(Error::new(
                ErrorCode::UnsupportedSnapshotVersion,
                "",
                format!(
                    "snapshot format version {version} is not supported (this build reads version {FORMAT_VERSION})"
                ),
            ));
        }
        let mut crc_bytes = [0u8; 4];
        crc_bytes.copy_from_slice(crc);
        if u32::from_le_bytes(crc_bytes) != crc32(payload) {
            return Err(bad("snapshot is corrupt or truncated: checksum mismatch"));
        }
        let (content, rest): (Content<SnapshotInfo, Catalog, CustomerState>, &[u8]) =
            postcard::take_from_bytes(payload)
                .map_err(|e| bad(&format!("snapshot payload does not decode: {e}")))?;
        if !rest.is_empty() {
            return Err(bad("snapshot has trailing bytes"));
        }
        Snapshot::from_content(content)
    }

    /// The JSON form: the same content in camelCase, dates as RFC 3339 strings, absent
    /// fields left out.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self.content()).unwrap_or(serde_json::Value::Null);
        strip_nulls(&mut value);
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("formatVersion".into(), FORMAT_VERSION.into());
        }
        value
    }

    /// Parses and validates the JSON form.
    pub fn from_json(json: &str) -> Result<Snapshot> {
        let mut value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorCode::InvalidSnapshot, "", format!("snapshot JSON does not parse: {e}")))?;
        if let serde_json::Value::Object(map) = &mut value {
            match map.remove("formatVersion").and_then(|v| v.as_u64()) {
                Some(v) if v == u64::from(FORMAT_VERSION) => {}
                Some(v) => {
                    return Err(Error::new(
                        ErrorCode::UnsupportedSnapshotVersion,
                        "formatVersion",
                        format!("snapshot format version {v} is not supported"),
                    ))
                }
                None => return Err(Error::new(ErrorCode::InvalidSnapshot, "formatVersion", "snapshot JSON has no formatVersion")),
            }
        }
        let content: Content<SnapshotInfo, Catalog, CustomerState> =
            serde_path_to_error::deserialize(value)
                .map_err(|e| Error::from_json(ErrorCode::InvalidSnapshot, e))?;
        Snapshot::from_content(content)
    }

    fn from_content(content: Content<SnapshotInfo, Catalog, CustomerState>) -> Result<Snapshot> {
        let as_snapshot_error = |e: Error| Error {
            code: ErrorCode::InvalidSnapshot,
            violations: e.violations,
        };
        if content.info.customer_id != content.customer.id {
            return Err(Error::new(
                ErrorCode::InvalidSnapshot,
                "customerId",
                "snapshot customerId does not match its customer state",
            ));
        }
        let catalog = ValidCatalog::new(content.catalog).map_err(as_snapshot_error)?;
        let prepared = Prepared::new(Arc::new(catalog), content.customer).map_err(as_snapshot_error)?;
        Ok(Snapshot {
            info: content.info,
            prepared,
        })
    }
}

/// The part of `catalog` that `state` uses: every feature, the subscribed plans and
/// their ancestors, the held add-ons (their compatible plans cut to those kept), and
/// the products of both.
fn slice_for(catalog: &Catalog, state: &CustomerState) -> Catalog {
    let mut plans: HashSet<&str> = HashSet::new();
    for sub in &state.subscriptions {
        let mut next = Some(sub.plan_id.as_str());
        while let Some(id) = next {
            if !plans.insert(id) {
                break;
            }
            next = catalog
                .plans
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.parent_plan_id.as_deref());
        }
    }
    let addons: HashSet<&str> = state
        .subscriptions
        .iter()
        .flat_map(|s| s.addons.iter().map(|a| a.addon_id.as_str()))
        .collect();
    let kept_plans: Vec<_> = catalog
        .plans
        .iter()
        .filter(|p| plans.contains(p.id.as_str()))
        .cloned()
        .collect();
    let kept_addons: Vec<_> = catalog
        .addons
        .iter()
        .filter(|a| addons.contains(a.id.as_str()))
        .map(|a| {
            let mut a = a.clone();
            a.compatible_plan_ids.retain(|p| plans.contains(p.as_str()));
            a
        })
        .collect();
    let products: HashSet<&str> = kept_plans
        .iter()
        .filter_map(|p| p.product_id.as_deref())
        .chain(kept_addons.iter().filter_map(|a| a.product_id.as_deref()))
        .collect();
    Catalog {
        features: catalog.features.clone(),
        products: catalog
            .products
            .iter()
            .filter(|p| products.contains(p.id.as_str()))
            .cloned()
            .collect(),
        plans: kept_plans,
        addons: kept_addons,
    }
}

/// Removes `null` members of every object, so that absent fields are absent.
fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
