//! Decisions (SEMANTICS section 5): boolean, numeric and metered checks against a
//! [`Resolution`], with the access-denied reasons and fallbacks of Stigg's client SDK.
//!
//! A denial is an answer, not an error: every function here returns a [`Decision`].

use serde::{Deserialize, Serialize, Serializer};

use std::sync::Arc;

use crate::catalog::{Feature, FeatureType, Meter};
use crate::credits::decision::Draw;
use crate::credits::{Credits, GrantView};
use crate::entitlement::{Amount, ResetPeriod};
use crate::features::FeatureIdx;
use crate::resolve::{Prepared, Resolution};
use crate::time::Timestamp;

/// Which kind of result a check asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckKind {
    /// `getBooleanEntitlement`.
    Boolean,
    /// `getNumericEntitlement`.
    Numeric,
    /// `getMeteredEntitlement`.
    Metered,
    /// `getCreditEntitlement`: a credit pool or a feature priced in credits (section 7).
    Credit,
}

impl CheckKind {
    fn feature_type(self) -> FeatureType {
        match self {
            CheckKind::Boolean => FeatureType::Boolean,
            CheckKind::Numeric => FeatureType::Numeric,
            CheckKind::Metered => FeatureType::Metered,
            CheckKind::Credit => FeatureType::Credit,
        }
    }
}

/// Why access was denied. The names are those of Stigg's client SDK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum DeniedReason {
    /// No such customer (server side).
    CustomerNotFound,
    /// The customer is archived.
    CustomerIsArchived,
    /// No such feature in the catalog.
    FeatureNotFound,
    /// Nothing grants at `now`: no subscription and no promotion.
    NoActiveSubscription,
    /// Something grants, but not this feature.
    NoFeatureEntitlementInSubscription,
    /// `currentUsage + requestedUsage` would pass a hard limit.
    RequestedUsageExceedingLimit,
    /// The request costs more credits than the pool's balance (section 7).
    InsufficientCredits,
    /// The default fallback's reason.
    Unknown,
}

impl DeniedReason {
    /// The wire name, e.g. `NoActiveSubscription`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeniedReason::CustomerNotFound => "CustomerNotFound",
            DeniedReason::CustomerIsArchived => "CustomerIsArchived",
            DeniedReason::FeatureNotFound => "FeatureNotFound",
            DeniedReason::NoActiveSubscription => "NoActiveSubscription",
            DeniedReason::NoFeatureEntitlementInSubscription => {
                "NoFeatureEntitlementInSubscription"
            }
            DeniedReason::RequestedUsageExceedingLimit => "RequestedUsageExceedingLimit",
            DeniedReason::InsufficientCredits => "InsufficientCredits",
            DeniedReason::Unknown => "Unknown",
        }
    }
}

/// A caller's fallback for a feature: the answer when no snapshot is loaded or the check
/// asks for another type than the feature's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fallback {
    /// Whether to grant.
    pub has_access: bool,
    /// A numeric value.
    #[serde(default)]
    pub value: Option<f64>,
    /// A metered limit.
    #[serde(default)]
    pub usage_limit: Option<f64>,
    /// Unlimited.
    #[serde(default)]
    pub is_unlimited: Option<bool>,
}

/// A check: which feature, which kind of result, how much usage is requested.
#[derive(Clone, Copy, Debug)]
pub struct Check<'a> {
    /// The feature asked about.
    pub feature_id: &'a str,
    /// The kind of result expected.
    pub kind: CheckKind,
    /// For metered checks: usage about to be consumed (non-negative; default 0).
    pub requested_usage: f64,
    /// The caller's fallback for this feature, if any.
    pub fallback: Option<&'a Fallback>,
}

/// The feature part of a result: id, type, meter, units, display name.
#[derive(Clone, Copy, Debug)]
pub struct FeatureRef<'a>(pub &'a Feature);

/// The schema of what [`FeatureRef`] writes: the catalog feature's public fields.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for FeatureRef<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FeatureRef".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let feature_type = generator.subschema_for::<crate::FeatureType>();
        let meter = generator.subschema_for::<crate::Meter>();
        schemars::json_schema!({
            "description": "The feature part of a result: id, type, meter, units, display name.",
            "type": "object",
            "properties": {
                "id": { "type": "string" },
                "type": feature_type,
                "meter": meter,
                "units": { "type": "string" },
                "unitsPlural": { "type": "string" },
                "displayName": { "type": "string" }
            },
            "required": ["id", "type"],
            "additionalProperties": false
        })
    }
}

impl Serialize for FeatureRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &f.id)?;
        m.serialize_entry("type", &f.feature_type)?;
        if let Some(meter) = &f.meter {
            m.serialize_entry("meter", meter)?;
        }
        if let Some(units) = &f.units {
            m.serialize_entry("units", units)?;
        }
        if let Some(units) = &f.units_plural {
            m.serialize_entry("unitsPlural", units)?;
        }
        if let Some(name) = &f.display_name {
            m.serialize_entry("displayName", name)?;
        }
        m.end()
    }
}

/// The answer to a check, with the shapes of SEMANTICS section 5. Absent fields are
/// `None` and are left out of JSON.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision<'a> {
    /// Whether access is granted.
    pub has_access: bool,
    /// Whether the answer is a fallback.
    pub is_fallback: bool,
    /// Why access is denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_denied_reason: Option<DeniedReason>,
    /// The feature, when it is in the catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<FeatureRef<'a>>,
    /// Numeric: the value (absent when unlimited or not granted).
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub value: Option<f64>,
    /// Numeric and metered: whether unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_unlimited: Option<bool>,
    /// Metered: the limit (absent when unlimited or not granted).
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub usage_limit: Option<f64>,
    /// Metered: usage of the current period.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub current_usage: Option<f64>,
    /// Metered: the usage asked for.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub requested_usage: Option<f64>,
    /// Metered with a reset period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_period: Option<ResetPeriod>,
    /// Metered with a reset period: the anchor instant periods count from (the
    /// subscription or promotion start for `subscriptionStart`; the current period's
    /// start for calendar and weekday anchors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_period_anchor: Option<Timestamp>,
    /// Metered with a reset period: start of the current period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_period_start: Option<Timestamp>,
    /// Metered with a reset period: end of the current period (exclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_period_end: Option<Timestamp>,
    /// Credits (section 7): `creditId`, `cost`, `balance`, and for a credit check
    /// `nextExpiry`, `grants` and `draws`, flattened into the answer. Boxed: a decision
    /// that has none stays small, which the other checks' speed depends on.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub credit: Option<Box<CreditPart<'a>>>,
}

/// The credit fields of a decision (SEMANTICS section 7).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreditPart<'a> {
    /// The pool the feature spends.
    pub credit_id: &'a str,
    /// The pool's index in the feature table (not part of the answer).
    #[serde(skip)]
    pub pool: FeatureIdx,
    /// What `requestedUsage` costs, in credits.
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "crate::credits::amount::json")]
    pub cost: Credits,
    /// The pool's balance before this request, in credits.
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "crate::credits::amount::json")]
    pub balance: Credits,
    /// Credit checks: the earliest `expiresAt` among grants in force with something left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_expiry: Option<Timestamp>,
    /// Credit checks: the grants in force, in burn order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<Arc<[GrantView]>>,
    /// Credit checks, when allowed: how `cost` would be drawn, in burn order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draws: Option<Vec<Draw>>,
}

/// Integral numbers as JSON integers (`1000`, not `1000.0`).
pub(crate) fn number_value<S: Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
    number(&Some(*n), s)
}

/// Integral numbers as JSON integers (`1000`, not `1000.0`).
fn number<S: Serializer>(n: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *n {
        Some(x) if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_991.0 => {
            s.serialize_i64(x as i64)
        }
        Some(x) => s.serialize_f64(x),
        None => s.serialize_none(),
    }
}

impl<'a> Decision<'a> {
    pub(crate) fn bare(
        has_access: bool,
        reason: Option<DeniedReason>,
        feature: Option<&'a Feature>,
    ) -> Self {
        Decision {
            has_access,
            is_fallback: false,
            access_denied_reason: reason,
            feature: feature.map(FeatureRef),
            value: None,
            is_unlimited: None,
            usage_limit: None,
            current_usage: None,
            requested_usage: None,
            reset_period: None,
            usage_period_anchor: None,
            usage_period_start: None,
            usage_period_end: None,
            credit: None,
        }
    }

    /// A denial with `reason` and nothing else (unknown customer, archived...).
    pub fn denied(reason: DeniedReason) -> Decision<'static> {
        Decision::bare(false, Some(reason), None)
    }

    /// The fallback answer: the caller's, else `{hasAccess: false, accessDeniedReason: "Unknown"}`.
    pub fn fallback(fallback: Option<&Fallback>, feature: Option<&'a Feature>) -> Decision<'a> {
        match fallback {
            None => Decision {
                is_fallback: true,
                ..Decision::bare(false, Some(DeniedReason::Unknown), feature)
            },
            Some(fb) => Decision {
                is_fallback: true,
                value: fb.value,
                usage_limit: fb.usage_limit,
                is_unlimited: fb.is_unlimited,
                ..Decision::bare(fb.has_access, None, feature)
            },
        }
    }

    /// The decision as JSON, with RFC 3339 strings for dates.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Decides `check` for the customer of `prepared`, whose resolution at `now` is
/// `resolution` (precedence of SEMANTICS section 5, from `CustomerIsArchived` down).
pub fn decide<'a>(
    prepared: &'a Prepared,
    resolution: &Resolution,
    check: &Check<'_>,
) -> Decision<'a> {
    let idx = prepared.features().idx(check.feature_id);
    decide_idx(prepared, resolution, idx, check)
}

/// [`decide`] with the feature already looked up: `idx` is its position in
/// `prepared.features()` (`None` or out of range: not in the catalog), and
/// `check.feature_id` is not read. For callers that map ids to indexes once.
pub(crate) fn decide_idx<'a>(
    prepared: &'a Prepared,
    resolution: &Resolution,
    idx: Option<FeatureIdx>,
    check: &Check<'_>,
) -> Decision<'a> {
    if prepared.state().archived {
        return Decision::denied(DeniedReason::CustomerIsArchived);
    }
    let Some((idx, feature)) = idx.and_then(|i| Some((i, prepared.features().at(i)?))) else {
        return Decision::denied(DeniedReason::FeatureNotFound);
    };
    let requested = check.requested_usage;
    if !requested.is_finite() || requested < 0.0 {
        return Decision::fallback(check.fallback, Some(feature));
    }
    // Section 7: a credit check of a pool or a priced feature, or a metered check of a
    // priced feature; a credit check of anything else answers the fallback.
    let spends = match check.kind {
        CheckKind::Credit | CheckKind::Metered => prepared.features().spends(idx),
        CheckKind::Boolean | CheckKind::Numeric => None,
    };
    let priced = feature.feature_type == FeatureType::Metered;
    match (check.kind, spends) {
        (CheckKind::Credit, Some(s)) => {
            return crate::credits::decision::decide(
                prepared, resolution, idx, feature, s, check, false,
            )
        }
        (CheckKind::Metered, Some(s)) if priced => {
            return crate::credits::decision::decide(
                prepared, resolution, idx, feature, s, check, true,
            )
        }
        _ => {}
    }
    if feature.feature_type != check.kind.feature_type() || check.kind == CheckKind::Credit {
        return Decision::fallback(check.fallback, Some(feature));
    }
    let metered = check.kind == CheckKind::Metered;
    let effective = resolution
        .effective
        .get(idx as usize)
        .and_then(Option::as_ref);
    let Some(eff) = effective else {
        let reason = resolution.not_granted_reason();
        let mut d = Decision::bare(false, Some(reason), Some(feature));
        if check.kind != CheckKind::Boolean {
            d.is_unlimited = Some(false);
        }
        if metered {
            d.current_usage = Some(resolution.raw_usage_of(idx));
            d.requested_usage = Some(requested);
        }
        return d;
    };
    let limit = match eff.terms.amount {
        Amount::Unlimited => None,
        Amount::Limited(n) => Some(n),
        // Pools are decided above; their terms never reach here.
        Amount::Credits(_) => return Decision::fallback(check.fallback, Some(feature)),
    };
    match check.kind {
        CheckKind::Credit => Decision::fallback(check.fallback, Some(feature)),
        CheckKind::Boolean => Decision::bare(true, None, Some(feature)),
        CheckKind::Numeric => Decision {
            value: limit,
            is_unlimited: Some(limit.is_none()),
            ..Decision::bare(true, None, Some(feature))
        },
        CheckKind::Metered => {
            let has_access = match limit {
                None => true,
                Some(_) if eff.terms.soft => true,
                Some(l) => eff.usage + requested <= l,
            };
            let reason = (!has_access).then_some(DeniedReason::RequestedUsageExceedingLimit);
            let reset = eff.terms.reset;
            let incremental = feature.meter != Some(Meter::Fluctuating);
            let win = eff.window.filter(|_| incremental);
            Decision {
                is_unlimited: Some(limit.is_none()),
                usage_limit: limit,
                current_usage: Some(eff.usage),
                requested_usage: Some(requested),
                reset_period: reset.map(|r| r.period),
                usage_period_anchor: reset.zip(win).map(|(r, w)| match r.anchor {
                    crate::entitlement::ResetAnchor::SubscriptionStart => eff.anchor,
                    _ => w.start,
                }),
                usage_period_start: win.map(|w| w.start),
                usage_period_end: win.map(|w| w.end),
                ..Decision::bare(has_access, reason, Some(feature))
            }
        }
    }
}
