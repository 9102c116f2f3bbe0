import json, sys
MAX = 9007199254740991
def plan(pid, period):
    return {"id": pid, "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 10, "isSoftLimit": True, "resetPeriod": period, "resetAnchor": "calendar"}]}
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"}], "products": [{"id": "app"}],
       "plans": [plan("m", "month"), plan("d", "day")]}
def cust(p): return {"id": "acme", "subscriptions": [{"id": "s", "planId": p, "status": "active", "startDate": "2026-01-01T00:00:00Z"}]}
M, A = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
ERR_I = {"error": "invalid_usage"}
def rep(at, v, exp, d=None, **kw):
    s = {"at": at, "op": "report", "featureId": "api-calls", "value": v, **kw, "expect": exp}
    if d: s["description"] = d
    return s
def con(at, r, exp, d=None, **kw):
    s = {"at": at, "op": "consume", "featureId": "api-calls", "requestedUsage": r, **kw, "expect": exp}
    if d: s["description"] = d
    return s
steps = [
 rep("2026-03-02T00:00:00Z", MAX - 1, {"currentUsage": MAX - 1}),
 rep("2026-03-02T00:00:01Z", 2, ERR_I, "the counter would pass 2^53-1"),
 rep("2026-03-02T00:00:02Z", MAX + 1, ERR_I, "2^53 is out of bounds"),
 rep("2026-03-02T00:00:03Z", -MAX - 1, ERR_I),
 rep("2026-03-02T00:00:04Z", 1, {"currentUsage": MAX}, "exactly 2^53-1", idempotencyKey="b1"),
 con("2026-03-02T00:00:05Z", 1, ERR_I, "a soft-limit consume would pass the bound", idempotencyKey="b2"),
 con("2026-03-02T00:00:06Z", 0, {"hasAccess": True, "currentUsage": MAX}, "a consume of 0 at the bound", idempotencyKey="b2"),
 {"at": "2026-03-10T00:00:00Z", "op": "putCustomer", "description": "daily", "customer": cust("d")},
 rep("2026-03-10T01:00:00Z", 5, {"currentUsage": 5, "usagePeriodStart": "2026-03-10T00:00:00Z"}),
 {"at": "2026-03-10T02:00:00Z", "op": "putCustomer", "description": "monthly again: the counter carries 5, March's history total holds 2^53-1", "customer": cust("m")},
 con("2026-03-10T03:00:00Z", 10, ERR_I, "the counter stays small but March's history total would pass 2^53-1"),
 rep("2026-03-10T03:00:01Z", 1, ERR_I, "likewise for a report"),
 {"at": "2026-03-10T03:00:02Z", "op": "check", "featureId": "api-calls", "kind": "metered", "expect": {"currentUsage": 5, "usagePeriodStart": M}},
 rep("2026-03-10T03:00:03Z", -1, {"currentUsage": 4}, "a negative delta lowers both"),
 con("2026-03-10T03:00:04Z", 1, {"hasAccess": True, "currentUsage": 4}),
 rep("2026-04-02T00:00:00Z", 1, ERR_I, "late into March: only the history total would pass the bound", timestamp="2026-03-15T00:00:00Z"),
 rep("2026-04-02T00:00:01Z", 0.5, {"currentUsage": 0.5, "usagePeriodStart": A}),
 rep("2026-04-02T00:00:02Z", -0.25, {"currentUsage": 0.25}),
 rep("2026-04-02T00:00:03Z", -1, {"currentUsage": 0}, "clamped at 0"),
 rep("2026-04-02T00:00:04Z", 0, {"currentUsage": 0}, "-0 as a set", updateBehavior="set"),
 {"at": "2026-04-02T00:00:05Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "periodStart": M, "periodEnd": A, "total": MAX},
   {"featureId": "api-calls", "periodStart": "2026-03-10T00:00:00Z", "periodEnd": "2026-03-11T00:00:00Z", "total": 5},
   {"featureId": "api-calls", "periodStart": A, "periodEnd": "2026-05-01T00:00:00Z", "total": 0}]}},
]
json.dump({"description": "2^53-1 bounds on counters and history totals, for reports, late reports and consumes; fractional deltas; clamp at 0",
           "catalog": cat, "customer": cust("m"), "steps": steps}, sys.stdout, indent=1)
