//! The catalog and the customer state read from JSON, field for field as their serde
//! attributes describe them: the same names, required fields, defaults (`null` is `None`
//! for `Option` fields only), unknown fields rejected.

use super::read::{
    boolean, list, number, object, string, timestamp, variant, whole_u32, Fail, Path, Read,
};
use super::{parse, Value};
use crate::catalog::{Addon, Catalog, Feature, FeatureType, Meter, Plan, Product};
use crate::customer::{CustomerState, Promotion, Status, Subscription, SubscriptionAddon, Usage};
use crate::entitlement::{Behavior, EntitlementSpec, ResetAnchor, ResetPeriod};
use crate::error::{Error, ErrorCode};
use crate::time::Timestamp;

/// Parses and reads a catalog; every error has code `invalid_catalog`.
pub(crate) fn catalog(json: &str) -> Result<Catalog, Error> {
    read_root(json, ErrorCode::InvalidCatalog, |v| {
        read_catalog(v, Path::Root("catalog"))
    })
}

/// Parses and reads a customer state; every error has code `invalid_customer`.
pub(crate) fn customer(json: &str) -> Result<CustomerState, Error> {
    read_root(json, ErrorCode::InvalidCustomer, |v| {
        read_customer(v, Path::Root("customer state"))
    })
}

fn read_root<T>(
    json: &str,
    code: ErrorCode,
    read: impl FnOnce(&Value<'_>) -> Read<T>,
) -> Result<T, Error> {
    let value = parse(json).map_err(|e| Error::new(code, "", e.message()))?;
    read(&value).map_err(|Fail { path, message }| Error::new(code, path, message))
}

// The enums' wire names, in declaration order: the binary snapshot writes a variant as
// its position in these tables (checked by a test in `crate::snapshot::codec`).
pub(crate) const FEATURE_TYPES: [(&str, FeatureType); 3] = [
    ("boolean", FeatureType::Boolean),
    ("numeric", FeatureType::Numeric),
    ("metered", FeatureType::Metered),
];
pub(crate) const METERS: [(&str, Meter); 2] = [
    ("incremental", Meter::Incremental),
    ("fluctuating", Meter::Fluctuating),
];
pub(crate) const RESET_PERIODS: [(&str, ResetPeriod); 5] = [
    ("hour", ResetPeriod::Hour),
    ("day", ResetPeriod::Day),
    ("week", ResetPeriod::Week),
    ("month", ResetPeriod::Month),
    ("year", ResetPeriod::Year),
];
pub(crate) const RESET_ANCHORS: [(&str, ResetAnchor); 9] = [
    ("subscriptionStart", ResetAnchor::SubscriptionStart),
    ("calendar", ResetAnchor::Calendar),
    ("monday", ResetAnchor::Monday),
    ("tuesday", ResetAnchor::Tuesday),
    ("wednesday", ResetAnchor::Wednesday),
    ("thursday", ResetAnchor::Thursday),
    ("friday", ResetAnchor::Friday),
    ("saturday", ResetAnchor::Saturday),
    ("sunday", ResetAnchor::Sunday),
];
pub(crate) const BEHAVIORS: [(&str, Behavior); 2] = [
    ("increment", Behavior::Increment),
    ("override", Behavior::Override),
];
pub(crate) const STATUSES: [(&str, Status); 6] = [
    ("active", Status::Active),
    ("inTrial", Status::InTrial),
    ("canceled", Status::Canceled),
    ("expired", Status::Expired),
    ("notStarted", Status::NotStarted),
    ("paymentPending", Status::PaymentPending),
];

// The readers of structs with several owned fields fill one initialised value in place:
// an error then drops that one value, where a struct literal of `?`s needs its own
// clean-up of every field read so far at each `?` (most of these functions' wasm size).

fn read_catalog(v: &Value<'_>, path: Path<'_>) -> Read<Catalog> {
    let f = object(v, path, &["features", "products", "plans", "addons"])?;
    let mut out = Catalog {
        features: f.or(0, Vec::new, |v, p| list(v, p, read_feature))?,
        products: Vec::new(),
        plans: Vec::new(),
        addons: Vec::new(),
    };
    out.products = f.or(1, Vec::new, |v, p| list(v, p, read_product))?;
    out.plans = f.or(2, Vec::new, |v, p| list(v, p, read_plan))?;
    out.addons = f.or(3, Vec::new, |v, p| list(v, p, read_addon))?;
    Ok(out)
}

fn read_feature(v: &Value<'_>, path: Path<'_>) -> Read<Feature> {
    let f = object(
        v,
        path,
        &[
            "id",
            "type",
            "meter",
            "displayName",
            "description",
            "units",
            "unitsPlural",
            "metadata",
        ],
    )?;
    let mut out = Feature {
        id: f.req_str(0)?,
        feature_type: f.req(1, |v, p| variant(v, p, &FEATURE_TYPES))?,
        meter: f.opt(2, |v, p| variant(v, p, &METERS))?,
        display_name: None,
        description: None,
        units: None,
        units_plural: None,
        metadata: None,
    };
    out.display_name = f.opt_str(3)?;
    out.description = f.opt_str(4)?;
    out.units = f.opt_str(5)?;
    out.units_plural = f.opt_str(6)?;
    out.metadata = f.opt_map(7)?;
    Ok(out)
}

fn read_product(v: &Value<'_>, path: Path<'_>) -> Read<Product> {
    let f = object(v, path, &["id", "displayName", "description", "metadata"])?;
    let mut out = Product {
        id: f.req_str(0)?,
        display_name: None,
        description: None,
        metadata: None,
    };
    out.display_name = f.opt_str(1)?;
    out.description = f.opt_str(2)?;
    out.metadata = f.opt_map(3)?;
    Ok(out)
}

fn read_plan(v: &Value<'_>, path: Path<'_>) -> Read<Plan> {
    let f = object(
        v,
        path,
        &[
            "id",
            "productId",
            "displayName",
            "description",
            "parentPlanId",
            "entitlements",
            "metadata",
        ],
    )?;
    let mut out = Plan {
        id: f.req_str(0)?,
        product_id: None,
        display_name: None,
        description: None,
        parent_plan_id: None,
        entitlements: Vec::new(),
        metadata: None,
    };
    out.product_id = f.opt_str(1)?;
    out.display_name = f.opt_str(2)?;
    out.description = f.opt_str(3)?;
    out.parent_plan_id = f.opt_str(4)?;
    out.entitlements = f.or(5, Vec::new, |v, p| list(v, p, read_entitlement))?;
    out.metadata = f.opt_map(6)?;
    Ok(out)
}

fn read_addon(v: &Value<'_>, path: Path<'_>) -> Read<Addon> {
    let f = object(
        v,
        path,
        &[
            "id",
            "productId",
            "displayName",
            "description",
            "compatiblePlanIds",
            "maxQuantity",
            "entitlements",
            "metadata",
        ],
    )?;
    let mut out = Addon {
        id: f.req_str(0)?,
        product_id: None,
        display_name: None,
        description: None,
        compatible_plan_ids: Vec::new(),
        max_quantity: None,
        entitlements: Vec::new(),
        metadata: None,
    };
    out.product_id = f.opt_str(1)?;
    out.display_name = f.opt_str(2)?;
    out.description = f.opt_str(3)?;
    out.compatible_plan_ids = f.or(4, Vec::new, |v, p| list(v, p, string))?;
    out.max_quantity = f.opt(5, whole_u32)?;
    out.entitlements = f.or(6, Vec::new, |v, p| list(v, p, read_entitlement))?;
    out.metadata = f.opt_map(7)?;
    Ok(out)
}

fn read_entitlement(v: &Value<'_>, path: Path<'_>) -> Read<EntitlementSpec> {
    let f = object(
        v,
        path,
        &[
            "featureId",
            "value",
            "usageLimit",
            "isUnlimited",
            "isSoftLimit",
            "resetPeriod",
            "resetAnchor",
            "behavior",
        ],
    )?;
    Ok(EntitlementSpec {
        feature_id: f.req_str(0)?,
        value: f.opt_num(1)?,
        usage_limit: f.opt_num(2)?,
        is_unlimited: f.opt_bool(3)?,
        is_soft_limit: f.opt_bool(4)?,
        reset_period: f.opt(5, |v, p| variant(v, p, &RESET_PERIODS))?,
        reset_anchor: f.opt(6, |v, p| variant(v, p, &RESET_ANCHORS))?,
        behavior: f.opt(7, |v, p| variant(v, p, &BEHAVIORS))?,
    })
}

fn read_customer(v: &Value<'_>, path: Path<'_>) -> Read<CustomerState> {
    let f = object(
        v,
        path,
        &[
            "id",
            "archived",
            "subscriptions",
            "promotionalEntitlements",
            "usage",
        ],
    )?;
    let mut out = CustomerState {
        id: f.req_str(0)?,
        archived: f.or(1, || false, boolean)?,
        subscriptions: Vec::new(),
        promotional_entitlements: Vec::new(),
        usage: Vec::new(),
    };
    out.subscriptions = f.or(2, Vec::new, |v, p| list(v, p, read_subscription))?;
    out.promotional_entitlements = f.or(3, Vec::new, |v, p| list(v, p, read_promotion))?;
    out.usage = f.or(4, Vec::new, |v, p| list(v, p, read_usage))?;
    Ok(out)
}

fn read_subscription(v: &Value<'_>, path: Path<'_>) -> Read<Subscription> {
    let f = object(
        v,
        path,
        &[
            "id",
            "planId",
            "status",
            "startDate",
            "endDate",
            "trialEndDate",
            "cancellationDate",
            "addons",
        ],
    )?;
    let mut out = Subscription {
        id: f.or(0, String::new, string)?,
        plan_id: String::new(),
        status: Status::Active,
        start_date: Timestamp::EPOCH,
        end_date: None,
        trial_end_date: None,
        cancellation_date: None,
        addons: Vec::new(),
    };
    out.plan_id = f.req_str(1)?;
    out.status = f.req(2, |v, p| variant(v, p, &STATUSES))?;
    out.start_date = f.req(3, timestamp)?;
    out.end_date = f.opt_time(4)?;
    out.trial_end_date = f.opt_time(5)?;
    out.cancellation_date = f.opt_time(6)?;
    out.addons = f.or(7, Vec::new, |v, p| list(v, p, read_held_addon))?;
    Ok(out)
}

fn read_held_addon(v: &Value<'_>, path: Path<'_>) -> Read<SubscriptionAddon> {
    let f = object(v, path, &["addonId", "quantity"])?;
    Ok(SubscriptionAddon {
        addon_id: f.req_str(0)?,
        quantity: f.or(1, || 1, whole_u32)?,
    })
}

fn read_promotion(v: &Value<'_>, path: Path<'_>) -> Read<Promotion> {
    let f = object(
        v,
        path,
        &[
            "featureId",
            "value",
            "usageLimit",
            "isUnlimited",
            "isSoftLimit",
            "resetPeriod",
            "resetAnchor",
            "behavior",
            "startDate",
            "expiresAt",
        ],
    )?;
    Ok(Promotion {
        feature_id: f.req_str(0)?,
        value: f.opt_num(1)?,
        usage_limit: f.opt_num(2)?,
        is_unlimited: f.opt_bool(3)?,
        is_soft_limit: f.opt_bool(4)?,
        reset_period: f.opt(5, |v, p| variant(v, p, &RESET_PERIODS))?,
        reset_anchor: f.opt(6, |v, p| variant(v, p, &RESET_ANCHORS))?,
        behavior: f.opt(7, |v, p| variant(v, p, &BEHAVIORS))?,
        start_date: f.opt_time(8)?,
        expires_at: f.opt_time(9)?,
    })
}

fn read_usage(v: &Value<'_>, path: Path<'_>) -> Read<Usage> {
    let f = object(v, path, &["featureId", "currentUsage", "periodStart"])?;
    Ok(Usage {
        feature_id: f.req_str(0)?,
        current_usage: f.req(1, number)?,
        period_start: f.opt_time(2)?,
    })
}
