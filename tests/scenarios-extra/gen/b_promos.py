import json, sys
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"},
                    {"id": "exports", "type": "metered", "meter": "incremental"}],
       "products": [{"id": "app"}],
       "plans": [{"id": "monthly", "productId": "app", "entitlements": [
                    {"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"}]},
                 {"id": "monthly-plus", "productId": "app", "entitlements": [
                    {"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"},
                    {"featureId": "exports", "usageLimit": 10, "resetPeriod": "month", "resetAnchor": "calendar"}]}]}
sub1 = {"id": "sub-1", "planId": "monthly", "status": "active", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-03-15T00:00:00Z"}
sub2 = {"id": "sub-2", "planId": "monthly-plus", "status": "active", "startDate": "2026-03-18T00:00:00Z"}
weekly_promo = {"featureId": "api-calls", "usageLimit": 500, "resetPeriod": "week", "startDate": "2026-03-17T06:00:00Z"}
inc_promo = {"featureId": "api-calls", "usageLimit": 50, "behavior": "increment"}
def c(subs, promos=()): return {"id": "acme", "subscriptions": list(subs), "promotionalEntitlements": list(promos)}
steps = [
 {"at": "2026-03-10T00:00:00Z", "op": "report", "featureId": "api-calls", "value": 40,
  "expect": {"currentUsage": 40, "usagePeriodStart": "2026-03-01T00:00:00Z", "usagePeriodEnd": "2026-04-01T00:00:00Z"}},
 {"at": "2026-03-16T12:00:00Z", "op": "report", "description": "no entitlement: the write counts, periodStart kept", "featureId": "api-calls", "value": 5,
  "expect": {"currentUsage": 45, "usagePeriodStart": None, "usagePeriodEnd": None}},
 {"at": "2026-03-16T12:00:00Z", "op": "report", "description": "a new counter with no entitlement takes now", "featureId": "exports", "value": 3,
  "expect": {"currentUsage": 3, "usagePeriodStart": None}},
 {"at": "2026-03-16T12:01:00Z", "op": "check", "featureId": "api-calls", "kind": "metered",
  "expect": {"hasAccess": False, "accessDeniedReason": "NoActiveSubscription", "currentUsage": 45, "usagePeriodStart": None}},
 {"at": "2026-03-16T12:01:00Z", "op": "consume", "description": "a denied consume counts nothing", "featureId": "api-calls", "requestedUsage": 1,
  "expect": {"hasAccess": False, "accessDeniedReason": "NoActiveSubscription", "currentUsage": 45}},
 {"at": "2026-03-17T06:30:00Z", "op": "putCustomer", "description": "a weekly promotion from 06:00", "customer": c([sub1], [weekly_promo])},
 {"at": "2026-03-17T07:00:00Z", "op": "check", "featureId": "api-calls", "kind": "metered",
  "expect": {"hasAccess": True, "currentUsage": 0, "usageLimit": 500, "usagePeriodStart": "2026-03-17T06:00:00Z", "usagePeriodEnd": "2026-03-24T06:00:00Z"}},
 {"at": "2026-03-17T07:00:00Z", "op": "consume", "featureId": "api-calls", "requestedUsage": 10,
  "expect": {"hasAccess": True, "currentUsage": 0}},
 {"at": "2026-03-18T01:00:00Z", "op": "putCustomer", "description": "new monthly subscription; the promotion is more generous and keeps its week", "customer": c([sub2], [weekly_promo])},
 {"at": "2026-03-18T01:00:00Z", "op": "check", "featureId": "api-calls", "kind": "metered",
  "expect": {"currentUsage": 10, "usageLimit": 500, "usagePeriodStart": "2026-03-17T06:00:00Z"}},
 {"at": "2026-03-18T01:00:00Z", "op": "check", "description": "a counter written with no entitlement on the 16th lies in March", "featureId": "exports", "kind": "metered",
  "expect": {"currentUsage": 3, "usageLimit": 10, "usagePeriodStart": "2026-03-01T00:00:00Z"}},
 {"at": "2026-03-18T02:00:00Z", "op": "putCustomer", "description": "the weekly promotion replaced by an increment", "customer": c([sub2], [inc_promo])},
 {"at": "2026-03-18T02:00:00Z", "op": "check", "description": "the week began inside March: carries on", "featureId": "api-calls", "kind": "metered",
  "expect": {"currentUsage": 10, "usageLimit": 150, "usagePeriodStart": "2026-03-01T00:00:00Z"}},
 {"at": "2026-03-18T03:00:00Z", "op": "report", "featureId": "api-calls", "value": 5,
  "expect": {"currentUsage": 15, "usagePeriodStart": "2026-03-01T00:00:00Z", "usagePeriodEnd": "2026-04-01T00:00:00Z"}},
 {"at": "2026-04-02T00:00:00Z", "op": "report", "description": "late, into the 16th, when only the increment promotion (no period) grants under the current state",
  "featureId": "api-calls", "value": 3, "timestamp": "2026-03-16T12:00:00Z",
  "expect": {"currentUsage": 0, "usagePeriodStart": "2026-04-01T00:00:00Z", "usagePeriodEnd": "2026-05-01T00:00:00Z"}},
 {"at": "2026-04-02T00:00:00Z", "op": "history", "featureId": "api-calls", "expect": {"rows": [
   {"featureId": "api-calls", "total": 8},
   {"featureId": "api-calls", "periodStart": "2026-03-01T00:00:00Z", "periodEnd": "2026-04-01T00:00:00Z", "total": 45},
   {"featureId": "api-calls", "periodStart": "2026-03-17T06:00:00Z", "periodEnd": "2026-03-24T06:00:00Z", "total": 10}]}},
 {"at": "2026-04-02T00:00:00Z", "op": "history", "description": "a row without a period always comes back", "from": "2030-01-01T00:00:00Z", "expect": {"rows": [
   {"featureId": "api-calls", "total": 8}, {"featureId": "exports", "total": 3}]}},
]
json.dump({"description": "entitlements disappearing and reappearing: writes with no entitlement keep periodStart, promotions with their own period, increments keep the winner's period",
           "catalog": cat, "customer": c([sub1]), "steps": steps}, sys.stdout, indent=1)
