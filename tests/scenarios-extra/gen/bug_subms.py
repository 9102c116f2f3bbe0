import json, sys
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"}], "products": [{"id": "app"}],
       "plans": [{"id": "m", "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"}]}]}
cust = {"id": "acme", "subscriptions": [{"id": "s", "planId": "m", "status": "active", "startDate": "2026-01-01T00:00:00Z"}]}
steps = [
 {"at": "2026-03-11T04:00:00Z", "op": "report", "featureId": "api-calls", "value": 1, "timestamp": "2026-03-11T04:05:00.0001Z",
  "description": "300.0001 s after now: 'lies more than 300 s after now' -> invalid_usage (the fraction below 1 ms is truncated, so it is taken as exactly 300 s)",
  "expect": {"error": "invalid_usage"}},
 {"at": "2026-03-11T04:00:00Z", "op": "report", "featureId": "api-calls", "value": 1, "timestamp": "2026-03-11T03:00:00.0001Z", "idempotencyKey": "sub-ms",
  "expect": {"usagePeriodStart": "2026-03-01T00:00:00Z"}},
 {"at": "2026-03-11T04:00:01Z", "op": "report", "featureId": "api-calls", "value": 1, "timestamp": "2026-03-11T03:00:00.0002Z", "idempotencyKey": "sub-ms",
  "description": "another instant (100 ns later): 'timestamp compared as an instant' -> idempotency_conflict",
  "expect": {"error": "idempotency_conflict"}},
]
json.dump({"description": "BUG: timestamps are truncated to milliseconds, so the 300 s skew bound and the idempotency payload comparison ignore sub-millisecond fractions",
           "catalog": cat, "customer": cust, "steps": steps}, sys.stdout, indent=1)
