//! Entitlement terms: the JSON form shared by plans, add-ons and promotions, and its
//! validation against the feature's type into compact [`Terms`].

use serde::{Deserialize, Serialize};

use crate::catalog::{Feature, FeatureType, Meter};
use crate::error::{At, Named, Violations};

/// How often an incremental meter's usage resets (SEMANTICS section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ResetPeriod {
    /// Every 3600 s.
    Hour,
    /// Every 86,400 s.
    Day,
    /// Every 604,800 s.
    Week,
    /// Every calendar month from the anchor, clamped to the month's last day.
    Month,
    /// Every year from the anchor, clamped to the month's last day.
    Year,
}

/// Where usage periods start (SEMANTICS section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ResetAnchor {
    /// From the start of the subscription (or promotion) that gives the entitlement.
    #[default]
    SubscriptionStart,
    /// UTC calendar units: the hour, the day, the ISO week, the month, the year.
    Calendar,
    /// Weeks starting Monday 00:00Z (week only).
    Monday,
    /// Weeks starting Tuesday 00:00Z (week only).
    Tuesday,
    /// Weeks starting Wednesday 00:00Z (week only).
    Wednesday,
    /// Weeks starting Thursday 00:00Z (week only).
    Thursday,
    /// Weeks starting Friday 00:00Z (week only).
    Friday,
    /// Weeks starting Saturday 00:00Z (week only).
    Saturday,
    /// Weeks starting Sunday 00:00Z (week only).
    Sunday,
}

impl ResetPeriod {
    /// The wire name, e.g. `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetPeriod::Hour => "hour",
            ResetPeriod::Day => "day",
            ResetPeriod::Week => "week",
            ResetPeriod::Month => "month",
            ResetPeriod::Year => "year",
        }
    }
}

impl ResetAnchor {
    /// The weekday of a weekday anchor, `None` for the others.
    pub(crate) fn weekday(self) -> Option<chrono::Weekday> {
        use chrono::Weekday;
        match self {
            ResetAnchor::Monday => Some(Weekday::Mon),
            ResetAnchor::Tuesday => Some(Weekday::Tue),
            ResetAnchor::Wednesday => Some(Weekday::Wed),
            ResetAnchor::Thursday => Some(Weekday::Thu),
            ResetAnchor::Friday => Some(Weekday::Fri),
            ResetAnchor::Saturday => Some(Weekday::Sat),
            ResetAnchor::Sunday => Some(Weekday::Sun),
            ResetAnchor::SubscriptionStart | ResetAnchor::Calendar => None,
        }
    }
}

/// How an add-on or promotional entitlement combines with what the plan gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Behavior {
    /// Adds its limit or value (times the add-on quantity).
    Increment,
    /// Replaces the plan's limit or value (add-ons only).
    Override,
}

/// An entitlement as written in a plan or an add-on.
///
/// Which fields are allowed depends on the feature's type; see [`validate_terms`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntitlementSpec {
    /// The feature this entitlement grants.
    pub feature_id: String,
    /// A numeric feature's value.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(default, with = "crate::number::compact_opt")]
    pub value: Option<f64>,
    /// A metered feature's limit per period.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(default, with = "crate::number::compact_opt")]
    pub usage_limit: Option<f64>,
    /// No limit (numeric or metered).
    #[serde(default)]
    pub is_unlimited: Option<bool>,
    /// Usage past the limit is allowed and reported, never denied (metered).
    #[serde(default)]
    pub is_soft_limit: Option<bool>,
    /// How often usage resets (incremental meters).
    #[serde(default)]
    pub reset_period: Option<ResetPeriod>,
    /// Where periods start; defaults to `subscriptionStart`.
    #[serde(default)]
    pub reset_anchor: Option<ResetAnchor>,
    /// Add-ons: `increment` (default) or `override`.
    #[serde(default)]
    pub behavior: Option<Behavior>,
    /// A credit pool's amount per period (or for the subscription's life without a reset
    /// period), in credits (section 7).
    #[serde(default, with = "crate::credits::amount::json_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    pub amount: Option<crate::credits::Credits>,
    /// A credit pool's rollover of unused plan credits into the next period.
    #[serde(default)]
    pub rollover: Option<Rollover>,
}

/// The rollover of a credit pool's plan grant (section 7): what a period leaves carries
/// into the next, at most `maxAmount`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollover {
    /// The most credits a period carries into the next.
    #[serde(default, with = "crate::credits::amount::json_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    pub max_amount: Option<crate::credits::Credits>,
}

/// How much an entitlement gives: booleans and unlimited entitlements are `Unlimited`;
/// a credit pool's amount is an exact decimal (section 7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Amount {
    Unlimited,
    Limited(f64),
    Credits(crate::credits::Credits),
}

impl Amount {
    pub(crate) fn times(self, quantity: u32) -> Amount {
        match self {
            Amount::Unlimited => Amount::Unlimited,
            Amount::Limited(n) => Amount::Limited(n * f64::from(quantity)),
            Amount::Credits(c) => Amount::Credits(c.saturating_mul(quantity.into())),
        }
    }

    pub(crate) fn plus(self, other: Amount) -> Amount {
        match (self, other) {
            (Amount::Limited(a), Amount::Limited(b)) => Amount::Limited(a + b),
            (Amount::Credits(a), Amount::Credits(b)) => Amount::Credits(a.saturating_add(b)),
            // An add-on's empty accumulation (`Limited(0)`) adds nothing to credits.
            (Amount::Credits(a), Amount::Limited(b)) | (Amount::Limited(b), Amount::Credits(a))
                if b == 0.0 =>
            {
                Amount::Credits(a)
            }
            _ => Amount::Unlimited,
        }
    }

    /// Strictly more generous than `other`.
    pub(crate) fn beats(self, other: Amount) -> bool {
        match (self, other) {
            (Amount::Unlimited, Amount::Limited(_) | Amount::Credits(_)) => true,
            (Amount::Limited(a), Amount::Limited(b)) => a > b,
            (Amount::Credits(a), Amount::Credits(b)) => a > b,
            _ => false,
        }
    }
}

/// A reset period with its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reset {
    /// How often usage resets.
    pub period: ResetPeriod,
    /// Where periods start.
    pub anchor: ResetAnchor,
}

/// Validated, compact terms of one entitlement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Terms {
    pub amount: Amount,
    pub soft: bool,
    pub reset: Option<Reset>,
    /// A credit pool's rollover cap (section 7); `None` without rollover.
    pub rollover: Option<crate::credits::Credits>,
}

impl Terms {
    /// Section 3.3: more generous wins; on a tie of amounts a soft limit wins.
    pub(crate) fn beats(&self, other: &Terms) -> bool {
        self.amount.beats(other.amount) || (self.amount == other.amount && self.soft && !other.soft)
    }
}

/// Where an entitlement is written, which decides whether `behavior` is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Plan,
    Addon,
    Promotion,
}

/// The fields of an entitlement, borrowed from any of the three places it is written.
pub(crate) struct TermsInput<'a> {
    pub value: Option<f64>,
    pub usage_limit: Option<f64>,
    pub is_unlimited: Option<bool>,
    pub is_soft_limit: Option<bool>,
    pub reset_period: Option<ResetPeriod>,
    pub reset_anchor: Option<ResetAnchor>,
    pub behavior: Option<Behavior>,
    pub amount: Option<crate::credits::Credits>,
    pub rollover: Option<Rollover>,
    /// Names the entity in messages, e.g. ``plan `pro` ``.
    pub owner: Named<'a>,
}

impl EntitlementSpec {
    pub(crate) fn input<'a>(&self, owner: Named<'a>) -> TermsInput<'a> {
        TermsInput {
            value: self.value,
            usage_limit: self.usage_limit,
            is_unlimited: self.is_unlimited,
            is_soft_limit: self.is_soft_limit,
            reset_period: self.reset_period,
            reset_anchor: self.reset_anchor,
            behavior: self.behavior,
            amount: self.amount,
            rollover: self.rollover,
            owner,
        }
    }
}

/// Largest integer a JS number holds exactly: limits above it would compare wrongly in JS.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Checks that the fields fit `feature`'s type (SEMANTICS section 1) and returns the
/// compact terms with the behavior as written, or records every violation under
/// `path` and returns `None`.
pub(crate) fn validate_terms(
    t: &TermsInput<'_>,
    feature: &Feature,
    origin: Origin,
    path: At,
    v: &mut Violations,
) -> Option<(Terms, Option<Behavior>)> {
    let before = v.len();
    let owner = t.owner;
    let fid = &feature.id;
    let mut forbid = |present: bool, field: &str, why: &str| {
        if present {
            v.push(
                format!("{path}.{field}"),
                format!("{owner}: {field} is not allowed on {why} `{fid}`"),
            );
        }
    };
    let unlimited = t.is_unlimited == Some(true);
    if feature.feature_type != FeatureType::Credit {
        forbid(
            t.amount.is_some(),
            "amount",
            "a feature that is not a credit pool,",
        );
        forbid(
            t.rollover.is_some(),
            "rollover",
            "a feature that is not a credit pool,",
        );
    }
    if feature.credit_cost.is_some() {
        v.push(
            format!("{path}.featureId"),
            format!("{owner}: `{fid}` is priced in credits and takes no entitlement: grant credits of its pool instead"),
        );
        return None;
    }
    match feature.feature_type {
        FeatureType::Boolean => {
            forbid(t.value.is_some(), "value", "boolean feature");
            forbid(t.usage_limit.is_some(), "usageLimit", "boolean feature");
            forbid(t.is_unlimited.is_some(), "isUnlimited", "boolean feature");
            forbid(t.is_soft_limit.is_some(), "isSoftLimit", "boolean feature");
            forbid(t.reset_period.is_some(), "resetPeriod", "boolean feature");
            forbid(t.reset_anchor.is_some(), "resetAnchor", "boolean feature");
        }
        FeatureType::Numeric => {
            forbid(t.usage_limit.is_some(), "usageLimit", "numeric feature");
            forbid(t.is_soft_limit.is_some(), "isSoftLimit", "numeric feature");
            forbid(t.reset_period.is_some(), "resetPeriod", "numeric feature");
            forbid(t.reset_anchor.is_some(), "resetAnchor", "numeric feature");
        }
        FeatureType::Metered => {
            forbid(t.value.is_some(), "value", "metered feature");
            if feature.meter == Some(Meter::Fluctuating) {
                forbid(t.reset_period.is_some(), "resetPeriod", "fluctuating meter");
                forbid(t.reset_anchor.is_some(), "resetAnchor", "fluctuating meter");
            }
        }
        FeatureType::Credit => {
            forbid(t.value.is_some(), "value", "credit pool");
            forbid(t.usage_limit.is_some(), "usageLimit", "credit pool");
            forbid(t.is_unlimited.is_some(), "isUnlimited", "credit pool");
            forbid(t.is_soft_limit.is_some(), "isSoftLimit", "credit pool");
        }
    }
    let amount = match feature.feature_type {
        FeatureType::Credit => crate::credits::rules::pool_amount(t, fid, path, v),
        FeatureType::Boolean => Some(Amount::Unlimited),
        FeatureType::Numeric => match (t.value, unlimited) {
            (Some(_), true) => {
                v.push(
                    format!("{path}.value"),
                    format!("{owner}: `{fid}` has both value and isUnlimited"),
                );
                None
            }
            (Some(x), false) if !x.is_finite() => {
                v.push(
                    format!("{path}.value"),
                    format!("{owner}: value of `{fid}` is not a finite number"),
                );
                None
            }
            (Some(x), false) => Some(Amount::Limited(x)),
            (None, true) => Some(Amount::Unlimited),
            (None, false) => {
                v.push(
                    // Not `path.to_string()`: that brings a `ToString` and its panic path.
                    format!("{path}"),
                    format!("{owner}: numeric feature `{fid}` needs a value or isUnlimited: true"),
                );
                None
            }
        },
        FeatureType::Metered => match (t.usage_limit, unlimited) {
            (Some(_), true) => {
                v.push(
                    format!("{path}.usageLimit"),
                    format!("{owner}: `{fid}` has both usageLimit and isUnlimited"),
                );
                None
            }
            // The value is not echoed: formatting an `f64` costs 16 KB of wasm, and the
            // path names the field.
            (Some(n), false) if !(0.0..=MAX_SAFE_INTEGER).contains(&n) || n.fract() != 0.0 => {
                v.push(
                    format!("{path}.usageLimit"),
                    format!("{owner}: usageLimit of `{fid}` is not an integer from 0 to 2^53 - 1"),
                );
                None
            }
            (Some(n), false) => Some(Amount::Limited(n)),
            (None, true) => Some(Amount::Unlimited),
            (None, false) => {
                v.push(
                    format!("{path}"),
                    format!(
                        "{owner}: metered feature `{fid}` needs a usageLimit or isUnlimited: true"
                    ),
                );
                None
            }
        },
    };
    let reset = match (t.reset_period, t.reset_anchor) {
        (None, Some(_)) => {
            v.push(
                format!("{path}.resetAnchor"),
                format!("{owner}: resetAnchor of `{fid}` needs a resetPeriod"),
            );
            None
        }
        (Some(period), anchor) => {
            let anchor = anchor.unwrap_or_default();
            if anchor.weekday().is_some() && period != ResetPeriod::Week {
                v.push(
                    format!("{path}.resetAnchor"),
                    format!("{owner}: a weekday resetAnchor of `{fid}` needs resetPeriod `week`"),
                );
            }
            Some(Reset { period, anchor })
        }
        (None, None) => None,
    };
    let behavior = match (origin, t.behavior) {
        (Origin::Plan, Some(_)) => {
            v.push(
                format!("{path}.behavior"),
                format!("{owner}: behavior is for add-ons and promotions, not plans"),
            );
            None
        }
        (Origin::Promotion, Some(Behavior::Override)) => {
            v.push(
                format!("{path}.behavior"),
                format!("{owner}: a promotion's behavior is absent or `increment`"),
            );
            None
        }
        (_, b) => b,
    };
    let rollover = match (feature.feature_type, t.rollover) {
        (FeatureType::Credit, Some(r)) => {
            crate::credits::rules::rollover_cap(r, reset.is_some(), owner, fid, path, v)
        }
        _ => None,
    };
    let terms = Terms {
        amount: amount?,
        soft: t.is_soft_limit == Some(true),
        reset,
        rollover,
    };
    (v.len() == before).then_some((terms, behavior))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_period_names_are_the_wire_names() {
        for p in [
            ResetPeriod::Hour,
            ResetPeriod::Day,
            ResetPeriod::Week,
            ResetPeriod::Month,
            ResetPeriod::Year,
        ] {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::Value::from(p.as_str())
            );
        }
    }
}
