//! The catalog and the customer state read from JSON, field for field as their serde
//! attributes describe them: the same names, required fields, defaults (`null` is `None`
//! for `Option` fields only), unknown fields rejected.

use super::read::{
    boolean, list, number, object, string, string_map, timestamp, variant, whole_u32, Fail, Path,
    Read,
};
use super::{parse, Value};
use crate::catalog::{Addon, Catalog, Feature, FeatureType, Meter, Plan, Product};
use crate::customer::{CustomerState, Promotion, Status, Subscription, SubscriptionAddon, Usage};
use crate::entitlement::{Behavior, EntitlementSpec, ResetAnchor, ResetPeriod};
use crate::error::{Error, ErrorCode};

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

fn read_catalog(v: &Value<'_>, path: Path<'_>) -> Read<Catalog> {
    let f = object(v, path, &["features", "products", "plans", "addons"])?;
    Ok(Catalog {
        features: f.or(0, Vec::new, |v, p| list(v, p, read_feature))?,
        products: f.or(1, Vec::new, |v, p| list(v, p, read_product))?,
        plans: f.or(2, Vec::new, |v, p| list(v, p, read_plan))?,
        addons: f.or(3, Vec::new, |v, p| list(v, p, read_addon))?,
    })
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
    Ok(Feature {
        id: f.req(0, string)?,
        feature_type: f.req(1, |v, p| variant(v, p, &FEATURE_TYPES))?,
        meter: f.opt(2, |v, p| variant(v, p, &METERS))?,
        display_name: f.opt(3, string)?,
        description: f.opt(4, string)?,
        units: f.opt(5, string)?,
        units_plural: f.opt(6, string)?,
        metadata: f.opt(7, string_map)?,
    })
}

fn read_product(v: &Value<'_>, path: Path<'_>) -> Read<Product> {
    let f = object(v, path, &["id", "displayName", "description", "metadata"])?;
    Ok(Product {
        id: f.req(0, string)?,
        display_name: f.opt(1, string)?,
        description: f.opt(2, string)?,
        metadata: f.opt(3, string_map)?,
    })
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
    Ok(Plan {
        id: f.req(0, string)?,
        product_id: f.opt(1, string)?,
        display_name: f.opt(2, string)?,
        description: f.opt(3, string)?,
        parent_plan_id: f.opt(4, string)?,
        entitlements: f.or(5, Vec::new, |v, p| list(v, p, read_entitlement))?,
        metadata: f.opt(6, string_map)?,
    })
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
    Ok(Addon {
        id: f.req(0, string)?,
        product_id: f.opt(1, string)?,
        display_name: f.opt(2, string)?,
        description: f.opt(3, string)?,
        compatible_plan_ids: f.or(4, Vec::new, |v, p| list(v, p, string))?,
        max_quantity: f.opt(5, whole_u32)?,
        entitlements: f.or(6, Vec::new, |v, p| list(v, p, read_entitlement))?,
        metadata: f.opt(7, string_map)?,
    })
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
        feature_id: f.req(0, string)?,
        value: f.opt(1, number)?,
        usage_limit: f.opt(2, number)?,
        is_unlimited: f.opt(3, boolean)?,
        is_soft_limit: f.opt(4, boolean)?,
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
    Ok(CustomerState {
        id: f.req(0, string)?,
        archived: f.or(1, || false, boolean)?,
        subscriptions: f.or(2, Vec::new, |v, p| list(v, p, read_subscription))?,
        promotional_entitlements: f.or(3, Vec::new, |v, p| list(v, p, read_promotion))?,
        usage: f.or(4, Vec::new, |v, p| list(v, p, read_usage))?,
    })
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
    Ok(Subscription {
        id: f.or(0, String::new, string)?,
        plan_id: f.req(1, string)?,
        status: f.req(2, |v, p| variant(v, p, &STATUSES))?,
        start_date: f.req(3, timestamp)?,
        end_date: f.opt(4, timestamp)?,
        trial_end_date: f.opt(5, timestamp)?,
        cancellation_date: f.opt(6, timestamp)?,
        addons: f.or(7, Vec::new, |v, p| list(v, p, read_held_addon))?,
    })
}

fn read_held_addon(v: &Value<'_>, path: Path<'_>) -> Read<SubscriptionAddon> {
    let f = object(v, path, &["addonId", "quantity"])?;
    Ok(SubscriptionAddon {
        addon_id: f.req(0, string)?,
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
        feature_id: f.req(0, string)?,
        value: f.opt(1, number)?,
        usage_limit: f.opt(2, number)?,
        is_unlimited: f.opt(3, boolean)?,
        is_soft_limit: f.opt(4, boolean)?,
        reset_period: f.opt(5, |v, p| variant(v, p, &RESET_PERIODS))?,
        reset_anchor: f.opt(6, |v, p| variant(v, p, &RESET_ANCHORS))?,
        behavior: f.opt(7, |v, p| variant(v, p, &BEHAVIORS))?,
        start_date: f.opt(8, timestamp)?,
        expires_at: f.opt(9, timestamp)?,
    })
}

fn read_usage(v: &Value<'_>, path: Path<'_>) -> Read<Usage> {
    let f = object(v, path, &["featureId", "currentUsage", "periodStart"])?;
    Ok(Usage {
        feature_id: f.req(0, string)?,
        current_usage: f.req(1, number)?,
        period_start: f.opt(2, timestamp)?,
    })
}
