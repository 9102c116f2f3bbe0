import json, sys
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"}], "products": [{"id": "app"}],
       "plans": [{"id": "m", "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"}]},
                 {"id": "d", "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 10, "resetPeriod": "day"}]}]}
cust = {"id": "acme", "subscriptions": [{"id": "s", "planId": "m", "status": "active", "startDate": "2026-03-15T12:00:00Z"}]}
M, A = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
steps = [
 {"at": "2026-03-20T00:00:00Z", "op": "report", "description": "dated before the subscription, inside the calendar month: counts now, history has no period at t",
  "featureId": "api-calls", "value": 4, "timestamp": "2026-03-10T00:00:00Z", "expect": {"currentUsage": 4, "usagePeriodStart": M, "usagePeriodEnd": A}},
 {"at": "2026-03-20T00:00:01Z", "op": "report", "featureId": "api-calls", "value": 1, "timestamp": "2026-03-15T12:00:00Z",
  "expect": {"currentUsage": 5}},
 {"at": "2026-03-20T00:00:02Z", "op": "putCustomer", "description": "a second subscription, daily from 06:00, more generous? no: 10 < 100, the monthly one wins",
  "customer": {"id": "acme", "subscriptions": [cust["subscriptions"][0], {"id": "s2", "planId": "d", "status": "active", "startDate": "2026-03-18T06:00:00Z"}]}},
 {"at": "2026-03-20T00:00:03Z", "op": "check", "featureId": "api-calls", "kind": "metered", "expect": {"currentUsage": 5, "usageLimit": 100, "usagePeriodStart": M}},
 {"at": "2026-03-20T00:00:04Z", "op": "putCustomer", "description": "the monthly subscription canceled as of 2026-03-19: the daily one is in force",
  "customer": {"id": "acme", "subscriptions": [dict(cust["subscriptions"][0], status="canceled", cancellationDate="2026-03-19T00:00:00Z"),
                                                {"id": "s2", "planId": "d", "status": "active", "startDate": "2026-03-18T06:00:00Z"}]}},
 {"at": "2026-03-20T00:00:05Z", "op": "check", "description": "the month began before today's daily window [03-19T06:00, 03-20T06:00): 0", "featureId": "api-calls", "kind": "metered",
  "expect": {"currentUsage": 0, "usageLimit": 10, "usagePeriodStart": "2026-03-19T06:00:00Z", "usagePeriodEnd": "2026-03-20T06:00:00Z"}},
 {"at": "2026-03-20T00:00:06Z", "op": "report", "description": "t before the window: late; history under the monthly subscription still in force at t",
  "featureId": "api-calls", "value": 2, "timestamp": "2026-03-18T12:00:00Z", "expect": {"currentUsage": 0, "usagePeriodStart": "2026-03-19T06:00:00Z"}},
 {"at": "2026-03-20T00:00:07Z", "op": "report", "description": "t in the window but before the cancellation took effect? no: 03-19T06:00 is after it; daily history",
  "featureId": "api-calls", "value": 3, "timestamp": "2026-03-19T07:00:00Z", "expect": {"currentUsage": 3}},
 {"at": "2026-03-20T00:00:08Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "total": 4},
   {"featureId": "api-calls", "periodStart": M, "periodEnd": A, "total": 3},
   {"featureId": "api-calls", "periodStart": "2026-03-19T06:00:00Z", "periodEnd": "2026-03-20T06:00:00Z", "total": 3}]}},
]
json.dump({"description": "calendar window reaching before the subscription start; cancellation moving the winner to a daily subscription; history keyed by the entitlement at t",
           "catalog": cat, "customer": cust, "steps": steps}, sys.stdout, indent=1)
