// Every `accessDeniedReason` of the engine, in words a visitor understands.

const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** The reason for a denial, as a sentence. `result` is a check result. */
export function denialSentence(result) {
  const units = unitsOf(result.feature, 2);
  switch (result.accessDeniedReason) {
    case "CustomerNotFound":
      return "This customer does not exist in this environment yet.";
    case "CustomerIsArchived":
      return "This customer is archived, so nothing is granted.";
    case "FeatureNotFound":
      return "This feature is not in the catalog.";
    case "NoActiveSubscription":
      return "No subscription is active right now: the trial has ended, or the subscription was canceled, has expired or has not started.";
    case "NoFeatureEntitlementInSubscription":
      return "None of this customer's plans, add-ons or promotions include this feature.";
    case "RequestedUsageExceedingLimit": {
      const limit = result.usageLimit ?? 0;
      const used = result.currentUsage ?? 0;
      const left = Math.max(0, limit - used);
      const asked = result.requestedUsage ?? 0;
      return `That would go over the limit: ${fmt.format(asked)} ${units} requested, but only ${fmt.format(left)} of ${fmt.format(limit)} left this period.`;
    }
    case "InsufficientCredits": {
      const cost = result.cost ?? 0;
      const balance = result.balance ?? 0;
      return `Not enough credits: this costs ${fmt.format(cost)} credits and ${fmt.format(balance)} are left.`;
    }
    case "Unknown":
    default:
      return "Denied for a reason the engine could not name.";
  }
}

/** The feature's units, singular or plural. */
export function unitsOf(feature, n) {
  if (!feature) return "";
  if (n === 1) return feature.units ?? "";
  return feature.unitsPlural ?? feature.units ?? "";
}

export { fmt };
