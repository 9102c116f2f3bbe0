import json
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"}], "products": [{"id": "app"}],
       "plans": [{"id": "m", "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"}]}]}
cust = {"id": "acme", "subscriptions": [{"id": "s", "planId": "m", "status": "active", "startDate": "2024-01-01T00:00:00Z"}]}
ret = {"description": "DISPUTED: history rows vanish 400 days after their period (docs/decisions.md); SEMANTICS 6 says every accepted report changes a history total and the server keeps a usage history per period, with no retention",
 "catalog": cat, "customer": cust, "steps": [
 {"at": "2024-01-15T00:00:00Z", "op": "report", "featureId": "api-calls", "value": 10, "expect": {"currentUsage": 10}},
 {"at": "2026-03-10T00:00:00Z", "op": "report", "description": "late, dated June 2024: accepted", "featureId": "api-calls", "value": 5, "timestamp": "2024-06-15T00:00:00Z",
  "expect": {"currentUsage": 0, "usagePeriodStart": "2026-03-01T00:00:00Z"}},
 {"at": "2026-03-10T00:00:00Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "periodStart": "2024-01-01T00:00:00Z", "periodEnd": "2024-02-01T00:00:00Z", "total": 10},
   {"featureId": "api-calls", "periodStart": "2024-06-01T00:00:00Z", "periodEnd": "2024-07-01T00:00:00Z", "total": 5}]}}]}
edges = {"description": "BUG: history from == to (an empty [from, to)) and from > to still return windowed rows that contain `from`/overlap neither",
 "catalog": cat, "customer": cust, "steps": [
 {"at": "2026-03-10T00:00:00Z", "op": "report", "featureId": "api-calls", "value": 10, "expect": {"currentUsage": 10}},
 {"at": "2026-03-10T00:00:01Z", "op": "history", "from": "2026-03-05T00:00:00Z", "to": "2026-03-05T00:00:00Z", "expect": {"rows": []}},
 {"at": "2026-03-10T00:00:02Z", "op": "history", "from": "2026-03-20T00:00:00Z", "to": "2026-03-05T00:00:00Z", "expect": {"rows": []}}]}
json.dump(ret, open("disputed/history-retention-400-days.json", "w"), indent=1)
json.dump(edges, open("bugs/history-empty-range.json", "w"), indent=1)
