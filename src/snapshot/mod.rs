//! Snapshots (API section 1): everything needed to answer every check for one customer
//! of one environment, offline, at any instant.
//!
//! Content: metadata; every feature definition of the catalog (small, and what makes a
//! check of a feature the customer lacks answer `NoFeatureEntitlementInSubscription`
//! exactly as the server would, rather than `FeatureNotFound`); the slice of the catalog
//! the customer uses, *compiled*: for each subscription, what its plan (with ancestors)
//! and add-ons give per feature, plus a summary (id, product, name, parent) of those
//! plans and add-ons; and the customer state. Compiled terms are what the evaluator runs
//! on, so decoding needs no plan walk and no catalog validation.
//!
//! Binary form: [`MAGIC`] (4 bytes), format version (u16 LE), CRC-32 of the payload (u32
//! LE, `crc32fast`), then the payload: the content in `postcard` ([`Binary`]), whose
//! features travel as a nested postcard blob so that a [`Decoder`] can recognize the
//! features of the last snapshot byte for byte and skip them. Decoding checks each in
//! turn, then every index, number and rule the evaluator relies on, so foreign,
//! truncated, corrupt or future bytes are an error, never a panic and never a wrong
//! answer; lists are read without trusting their declared lengths ([`bounded`]), so a
//! crafted snapshot allocates in proportion to its size.

pub(crate) mod bounded;

use std::sync::Arc;

use crate::features::HashSet;
use serde::{Deserialize, Serialize};

use crate::catalog::{feature_table, Feature, FeatureType, Meter, ValidCatalog};
use crate::credits::amount::{fits_scale, Credits};
use crate::customer::{self, CustomerState};
use crate::entitlement::{Amount, Reset, ResetAnchor, ResetPeriod, Terms};
use crate::error::{Error, ErrorCode, Result, Violations};
use crate::features::{FeatureIdx, FeatureTable};
use crate::resolve::Prepared;
use crate::time::Timestamp;
use crc32fast::hash as crc32;

/// The first bytes of every binary snapshot.
pub const MAGIC: [u8; 4] = *b"EEsn";
/// The binary format version this build writes and reads. Any change of the binary
/// layout bumps it, and `tests/golden/` gets a file of the new version (`tests/golden.rs`
/// fails when the bytes built from its fixtures change under an unchanged version).
///
/// - 1: the first layout. Its bytes are refused (`unsupported_snapshot_version`): the
///   layout changed under this number before the golden check existed.
/// - 2: the hand-written layout of postcard's wire format (until issue 9). Refused.
/// - 3: postcard through serde, the features as a nested blob ([`Binary`]). Refused.
/// - 4: credits (section 7): pools and priced features, pool amounts and rollover caps
///   in the compiled terms, `creditGrants` and `creditUsage` in the customer state; a
///   term's reset period and anchor in one option.
pub const FORMAT_VERSION: u16 = 4;
const HEADER_LEN: usize = 4 + 2 + 4;

/// A snapshot's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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

/// A plan or add-on the customer uses, as named in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageSummary {
    /// Plan or add-on id.
    pub id: String,
    /// Its product.
    #[serde(default)]
    pub product_id: Option<String>,
    /// Its display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// A plan's parent.
    #[serde(default)]
    pub parent_plan_id: Option<String>,
}

/// The binary payload, format 3: the content with the features as a nested postcard blob
/// (a list of [`Feature`]) and features named by their index in it.
#[derive(Serialize, Deserialize)]
struct Binary<'a, P, G, C> {
    info: SnapshotInfo,
    #[serde(borrow)]
    features: &'a [u8],
    plans: P,
    addons: P,
    granted: G,
    customer: C,
}

/// The binary payload as decoded: every list bounded (see [`bounded`]).
type BinaryOwned<'a> = Binary<
    'a,
    bounded::Vec<PackageSummary>,
    bounded::Vec<bounded::Vec<WireTerms<FeatureIdx>>>,
    CustomerState,
>;

/// Compiled terms of one feature. `F` is the feature's index in binary form and its
/// id in JSON, so that the JSON form reads on its own.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireTerms<F> {
    feature_id: F,
    /// `None` = unlimited (and always for boolean features).
    #[serde(default, with = "crate::number::compact_opt")]
    limit: Option<f64>,
    #[serde(default)]
    soft_limit: bool,
    /// The reset period and its anchor, one option for both.
    #[serde(default)]
    reset: Option<WireReset>,
    /// A credit pool's amount and rollover cap (section 7); `limit` is then `None`. One
    /// option for both: a byte per terms of the features that are not pools.
    #[serde(default)]
    credits: Option<WireCredits>,
}

/// A reset period with its anchor.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireReset {
    period: ResetPeriod,
    anchor: ResetAnchor,
}

/// The credit part of compiled terms.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireCredits {
    /// Credits per period (or for the subscription's life).
    #[serde(with = "crate::credits::amount::json")]
    amount: Credits,
    /// The most a period carries into the next; absent without rollover.
    #[serde(default, with = "crate::credits::amount::json_opt")]
    rollover: Option<Credits>,
}

/// The serialized content. Generic so that encoding borrows and decoding owns.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Content<I, Fs, P, G, C> {
    info: I,
    features: Fs,
    plans: P,
    addons: P,
    /// Per subscription (same order): what its plan and add-ons give.
    granted: G,
    customer: C,
}

type Owned<F, Fs = Vec<Feature>> =
    Content<SnapshotInfo, Fs, Vec<PackageSummary>, Vec<Vec<WireTerms<F>>>, CustomerState>;

type Borrowed<'a, F> = Content<
    &'a SnapshotInfo,
    &'a [Feature],
    &'a [PackageSummary],
    Vec<Vec<WireTerms<F>>>,
    &'a CustomerState,
>;

/// A decoded (or freshly built) snapshot, prepared for evaluation.
#[derive(Clone, Debug)]
pub struct Snapshot {
    info: SnapshotInfo,
    plans: Vec<PackageSummary>,
    addons: Vec<PackageSummary>,
    prepared: Prepared,
}

impl Snapshot {
    /// Builds the snapshot of `state` against `catalog`. Fails with `invalid_customer`
    /// when the state does not fit the catalog.
    pub fn build(
        catalog: &ValidCatalog,
        state: CustomerState,
        opts: BuildOptions<'_>,
    ) -> Result<Snapshot> {
        let prepared = Prepared::new(catalog, state)?;
        Ok(Snapshot::assemble(catalog, prepared, opts))
    }

    /// The snapshot of a customer already prepared against `catalog`, without validating
    /// it again (what a server holding a prepared customer does on every change). When
    /// `prepared` was prepared against another catalog, it is validated against this one
    /// like [`Snapshot::build`] does.
    pub fn from_prepared(
        catalog: &ValidCatalog,
        prepared: &Prepared,
        opts: BuildOptions<'_>,
    ) -> Result<Snapshot> {
        if Arc::ptr_eq(prepared.features(), catalog.features()) {
            Ok(Snapshot::assemble(catalog, prepared.clone(), opts))
        } else {
            Snapshot::build(catalog, prepared.state().clone(), opts)
        }
    }

    fn assemble(catalog: &ValidCatalog, prepared: Prepared, opts: BuildOptions<'_>) -> Snapshot {
        let (plans, addons) = used_packages(catalog, prepared.state());
        let valid_until = prepared.resolve(opts.now).valid_until();
        Snapshot {
            info: SnapshotInfo {
                customer_id: prepared.state().id.clone(),
                environment: opts.environment.to_string(),
                version: opts.version,
                catalog_version: opts.catalog_version,
                issued_at: opts.now,
                valid_until,
            },
            plans,
            addons,
            prepared,
        }
    }

    /// The metadata.
    pub fn info(&self) -> &SnapshotInfo {
        &self.info
    }

    /// The plans the customer's subscriptions use, with their ancestors.
    pub fn plans(&self) -> &[PackageSummary] {
        &self.plans
    }

    /// The add-ons the customer's subscriptions hold.
    pub fn addons(&self) -> &[PackageSummary] {
        &self.addons
    }

    /// The prepared customer, ready for an [`crate::Evaluator`].
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// Splits into metadata and prepared customer.
    pub fn into_parts(self) -> (SnapshotInfo, Prepared) {
        (self.info, self.prepared)
    }

    fn content<F>(&self, key: impl Fn(FeatureIdx) -> F) -> Borrowed<'_, F> {
        let granted = self
            .prepared
            .granted()
            .map(|terms| {
                terms
                    .iter()
                    .map(|&(f, t)| WireTerms {
                        feature_id: key(f),
                        limit: match t.amount {
                            Amount::Unlimited | Amount::Credits(_) => None,
                            Amount::Limited(n) => Some(n),
                        },
                        credits: match t.amount {
                            Amount::Credits(amount) => Some(WireCredits {
                                amount,
                                rollover: t.rollover,
                            }),
                            Amount::Unlimited | Amount::Limited(_) => None,
                        },
                        soft_limit: t.soft,
                        reset: t.reset.map(|r| WireReset {
                            period: r.period,
                            anchor: r.anchor,
                        }),
                    })
                    .collect()
            })
            .collect();
        Content {
            info: &self.info,
            features: self.prepared.features().as_slice(),
            plans: &self.plans,
            addons: &self.addons,
            granted,
            customer: self.prepared.state(),
        }
    }

    /// The binary form: header and payload.
    pub fn encode(&self) -> Vec<u8> {
        let content = self.content(|f| f);
        let features = postcard::to_allocvec(content.features).unwrap_or_default();
        let binary = Binary {
            info: content.info.clone(),
            features: &features,
            plans: content.plans,
            addons: content.addons,
            granted: &content.granted,
            customer: content.customer,
        };
        let mut out = Vec::with_capacity(features.len() + 512);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        // Serializing these types cannot fail (no I/O, every length known).
        let mut out = postcard::to_extend(&binary, out).unwrap_or_default();
        let crc = crc32(out.get(HEADER_LEN..).unwrap_or_default());
        if let Some(slot) = out.get_mut(6..HEADER_LEN).and_then(|s| s.first_chunk_mut()) {
            *slot = crc.to_le_bytes();
        }
        out
    }

    /// Decodes and validates the binary form. To decode a stream of snapshots of one
    /// catalog, a [`Decoder`] shares the features between them.
    pub fn decode(bytes: &[u8]) -> Result<Snapshot> {
        Snapshot::decode_reusing(bytes, None).map(|(snapshot, _)| snapshot)
    }

    /// [`Snapshot::decode`], sharing `known`'s feature table when the features blob is
    /// byte-identical to its bytes. Also returns the features blob when it was decoded
    /// rather than shared.
    fn decode_reusing<'b>(
        bytes: &'b [u8],
        known: Option<&KnownFeatures>,
    ) -> Result<(Snapshot, Option<&'b [u8]>)> {
        let bad = |m: &str| Error::new(ErrorCode::InvalidSnapshot, "", m);
        let Some((&[m0, m1, m2, m3, v0, v1, c0, c1, c2, c3], payload)) =
            bytes.split_first_chunk::<HEADER_LEN>()
        else {
            return Err(bad("snapshot is truncated: shorter than its header"));
        };
        if [m0, m1, m2, m3] != MAGIC {
            return Err(bad("not a snapshot: wrong magic bytes"));
        }
        let version = u16::from_le_bytes([v0, v1]);
        if version != FORMAT_VERSION {
            return Err(unsupported(version.into()));
        }
        if u32::from_le_bytes([c0, c1, c2, c3]) != crc32(payload) {
            return Err(bad("snapshot is corrupt or truncated: checksum mismatch"));
        }
        let not_postcard = |e: postcard::Error| {
            let mut m = String::from("snapshot payload does not decode: ");
            m.push_str(&e.to_string());
            bad(&m)
        };
        let binary: BinaryOwned<'_> = postcard::from_bytes(payload).map_err(not_postcard)?;
        let (features, fresh) = match known {
            Some(k) if *k.bytes == *binary.features => (Features::Shared(k.table.clone()), None),
            _ => {
                let list: bounded::Vec<Feature> =
                    postcard::from_bytes(binary.features).map_err(not_postcard)?;
                (Features::New(list.0), Some(binary.features))
            }
        };
        let content = Content {
            info: binary.info,
            features,
            plans: binary.plans.0,
            addons: binary.addons.0,
            granted: binary.granted.0.into_iter().map(|g| g.0).collect(),
            customer: binary.customer,
        };
        let snapshot = Snapshot::from_content(content, |_, f| Some(*f))?;
        Ok((snapshot, fresh))
    }

    /// The JSON form: the same content in camelCase, features named by id, dates as
    /// RFC 3339 strings, absent fields left out, plus `formatVersion`.
    pub fn to_json(&self) -> serde_json::Value {
        let features = self.prepared.features();
        let content = self.content(|f| features.at(f).map_or("", |f| f.id.as_str()));
        let mut value = serde_json::to_value(content).unwrap_or(serde_json::Value::Null);
        crate::json::strip_nulls(&mut value);
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("formatVersion".into(), FORMAT_VERSION.into());
        }
        value
    }

    /// Parses and validates the JSON form.
    pub fn from_json(json: &str) -> Result<Snapshot> {
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorCode::InvalidSnapshot,
                "",
                format!("snapshot JSON does not parse: {e}"),
            )
        })?;
        let version = value
            .as_object_mut()
            .and_then(|m| m.remove("formatVersion"))
            .and_then(|v| v.as_u64());
        match version {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => return Err(unsupported(v)),
            None => {
                return Err(Error::new(
                    ErrorCode::InvalidSnapshot,
                    "formatVersion",
                    "snapshot JSON has no formatVersion",
                ))
            }
        }
        let content: Owned<String> = serde_json::from_value(value).map_err(|e| {
            Error::new(
                ErrorCode::InvalidSnapshot,
                "",
                format!("snapshot JSON does not have the snapshot's shape: {e}"),
            )
        })?;
        let content = Content {
            info: content.info,
            features: Features::New(content.features),
            plans: content.plans,
            addons: content.addons,
            granted: content.granted,
            customer: content.customer,
        };
        Snapshot::from_content(content, |table, id| table.idx(id))
    }

    /// Validates decoded content and prepares it. `key` maps a wire feature key to an index.
    fn from_content<F>(
        content: Owned<F, Features>,
        key: impl Fn(&FeatureTable, &F) -> Option<FeatureIdx>,
    ) -> Result<Snapshot> {
        let mut v = Violations::new(ErrorCode::InvalidSnapshot);
        let Content {
            info,
            features,
            plans,
            addons,
            granted,
            customer: state,
        } = content;
        if info.customer_id != state.id {
            v.push(
                "info.customerId",
                "snapshot customerId does not match its customer state",
            );
        }
        let features = match features {
            Features::New(features) => Arc::new(feature_table(features, &mut v)),
            Features::Shared(table) => table,
        };
        if granted.len() != state.subscriptions.len() {
            v.push(
                "granted",
                "snapshot has not one entry of granted terms per subscription",
            );
        }
        let plan_ids = IdSet::new(&plans);
        let addon_ids = IdSet::new(&addons);
        for (i, sub) in state.subscriptions.iter().enumerate() {
            if !plan_ids.contains(sub.plan_id.as_str()) {
                v.push(
                    format!("customer.subscriptions[{i}].planId"),
                    format!("plan `{}` is not among the snapshot's plans", sub.plan_id),
                );
            }
            for (j, a) in sub.addons.iter().enumerate() {
                if !addon_ids.contains(a.addon_id.as_str()) || a.quantity == 0 {
                    v.push(
                        format!("customer.subscriptions[{i}].addons[{j}]"),
                        format!(
                            "add-on `{}` is not among the snapshot's add-ons",
                            a.addon_id
                        ),
                    );
                }
            }
        }
        // hashbrown's sets may not outlive what they borrow (no `may_dangle` on stable).
        drop((plan_ids, addon_ids));
        let mut compiled = Vec::with_capacity(granted.len());
        for (i, terms) in granted.iter().enumerate() {
            let mut out: Vec<(FeatureIdx, Terms)> = Vec::with_capacity(terms.len());
            for (j, t) in terms.iter().enumerate() {
                let idx = key(&features, &t.feature_id);
                let fits = idx
                    .and_then(|f| Some((f, features.at(f)?)))
                    .and_then(|(f, feature)| {
                        let prev_ok = out.last().is_none_or(|&(p, _)| p < f);
                        let terms = wire_terms(feature, t)?;
                        prev_ok.then_some((f, terms))
                    });
                match fits {
                    Some(pair) => out.push(pair),
                    None => v.push(
                        format!("granted[{i}][{j}]"),
                        "granted terms name an unknown feature, repeat one, or do not fit its type",
                    ),
                }
            }
            compiled.push(out);
        }
        let mut cv = Violations::new(ErrorCode::InvalidSnapshot);
        let promotions = customer::validate_features(&features, &state, &mut cv);
        if let Err(e) = cv.finish(()) {
            for violation in e.violations {
                v.push(format!("customer.{}", violation.path), violation.message);
            }
        }
        v.finish(())?;
        Ok(Snapshot {
            info,
            plans,
            addons,
            prepared: Prepared::from_compiled(features, state, compiled, promotions),
        })
    }
}

/// The ids of a snapshot's plans or add-ons, for membership tests: a scan of the few
/// a customer usually has, a hash set past that (so that no input is quadratic).
enum IdSet<'a> {
    Few(&'a [PackageSummary]),
    Many(HashSet<&'a str>),
}

impl<'a> IdSet<'a> {
    const FEW: usize = 8;

    fn new(packages: &'a [PackageSummary]) -> IdSet<'a> {
        if packages.len() <= Self::FEW {
            IdSet::Few(packages)
        } else {
            IdSet::Many(packages.iter().map(|p| p.id.as_str()).collect())
        }
    }

    fn contains(&self, id: &str) -> bool {
        match self {
            IdSet::Few(packages) => packages.iter().any(|p| p.id == id),
            IdSet::Many(ids) => ids.contains(id),
        }
    }
}

/// The features of content being validated.
enum Features {
    /// Read from the input: to be validated and indexed.
    New(Vec<Feature>),
    /// The table of a snapshot decoded before from the same bytes: valid already.
    Shared(Arc<FeatureTable>),
}

/// The features section of the last snapshot a [`Decoder`] decoded, and its table.
#[derive(Clone, Debug)]
struct KnownFeatures {
    bytes: Box<[u8]>,
    table: Arc<FeatureTable>,
}

/// Decodes a stream of snapshots, sharing the feature table between consecutive ones
/// whose features section is byte-identical (the usual case: the same catalog, new
/// usage or subscriptions). Then the features are neither decoded, validated nor
/// indexed again; everything else is, and the checksum still covers every byte, so
/// the result is exactly what [`Snapshot::decode`] would return.
#[derive(Clone, Debug, Default)]
pub struct Decoder {
    last: Option<KnownFeatures>,
}

impl Decoder {
    /// A decoder that knows no features yet.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes and validates the binary form, like [`Snapshot::decode`]. A snapshot
    /// that decodes becomes the one whose features the next call may share; an error
    /// leaves the decoder as it was.
    pub fn decode(&mut self, bytes: &[u8]) -> Result<Snapshot> {
        let (snapshot, fresh) = Snapshot::decode_reusing(bytes, self.last.as_ref())?;
        if let Some(section) = fresh {
            self.last = Some(KnownFeatures {
                bytes: section.into(),
                table: snapshot.prepared.features().clone(),
            });
        }
        Ok(snapshot)
    }
}

fn unsupported(version: u64) -> Error {
    Error::new(
        ErrorCode::UnsupportedSnapshotVersion,
        "",
        format!("snapshot format version {version} is not supported (this build reads version {FORMAT_VERSION})"),
    )
}

/// Terms read from a snapshot, if they fit the feature's type as validated terms do.
fn wire_terms<F>(feature: &Feature, t: &WireTerms<F>) -> Option<Terms> {
    let quantity_ok = |c: Credits| c >= Credits::ZERO && fits_scale(c);
    let amount = match (t.limit, t.credits) {
        (None, None) => Amount::Unlimited,
        (Some(x), None) if x.is_finite() => Amount::Limited(x),
        (None, Some(c)) if quantity_ok(c.amount) => Amount::Credits(c.amount),
        _ => return None,
    };
    let rollover = t.credits.and_then(|c| c.rollover);
    if rollover.is_some_and(|r| !quantity_ok(r)) {
        return None;
    }
    let reset = t.reset.map(|r| Reset {
        period: r.period,
        anchor: r.anchor,
    });
    let credits = matches!(amount, Amount::Credits(_));
    let weekday_ok = |r: Reset| r.anchor.weekday().is_none() || r.period == ResetPeriod::Week;
    if feature.feature_type != FeatureType::Credit && credits {
        return None;
    }
    let ok = match feature.feature_type {
        FeatureType::Credit => {
            credits
                && !t.soft_limit
                && reset.is_none_or(weekday_ok)
                && (rollover.is_none() || reset.is_some())
        }
        FeatureType::Boolean => amount == Amount::Unlimited && !t.soft_limit && reset.is_none(),
        FeatureType::Numeric => !t.soft_limit && reset.is_none(),
        FeatureType::Metered => {
            let limit_ok = !matches!(amount, Amount::Limited(x) if x < 0.0);
            let reset_ok = match reset {
                None => true,
                Some(r) => feature.meter == Some(Meter::Incremental) && weekday_ok(r),
            };
            limit_ok && reset_ok
        }
    };
    ok.then_some(Terms {
        amount,
        soft: t.soft_limit,
        reset,
        rollover,
    })
}

/// Summaries of the plans (with ancestors) and add-ons that `state` uses, catalog order.
fn used_packages(
    catalog: &ValidCatalog,
    state: &CustomerState,
) -> (Vec<PackageSummary>, Vec<PackageSummary>) {
    let mut plan_ids: HashSet<&str> = HashSet::default();
    for sub in &state.subscriptions {
        let mut next = catalog.plan(&sub.plan_id);
        while let Some(plan) = next {
            if !plan_ids.insert(plan.id.as_str()) {
                break;
            }
            next = plan.parent_plan_id.as_deref().and_then(|p| catalog.plan(p));
        }
    }
    let addon_ids: HashSet<&str> = state
        .subscriptions
        .iter()
        .flat_map(|s| s.addons.iter().map(|a| a.addon_id.as_str()))
        .collect();
    let c = catalog.catalog();
    let plans = c
        .plans
        .iter()
        .filter(|p| plan_ids.contains(p.id.as_str()))
        .map(|p| PackageSummary {
            id: p.id.clone(),
            product_id: p.product_id.clone(),
            display_name: p.display_name.clone(),
            parent_plan_id: p.parent_plan_id.clone(),
        })
        .collect();
    let addons = c
        .addons
        .iter()
        .filter(|a| addon_ids.contains(a.id.as_str()))
        .map(|a| PackageSummary {
            id: a.id.clone(),
            product_id: a.product_id.clone(),
            display_name: a.display_name.clone(),
            parent_plan_id: None,
        })
        .collect();
    (plans, addons)
}

#[cfg(test)]
mod tests;
