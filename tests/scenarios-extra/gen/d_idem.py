import json, sys
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"}], "products": [{"id": "app"}],
       "plans": [{"id": "m", "productId": "app", "entitlements": [{"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"}]}]}
def cust(archived=False):
    c = {"id": "acme", "subscriptions": [{"id": "s", "planId": "m", "status": "active", "startDate": "2026-01-01T00:00:00Z"}]}
    if archived: c["archived"] = True
    return c
M, A, F = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-02-01T00:00:00Z"
def it(v, **kw): return {"featureId": "api-calls", "value": v, **kw}
def cu(n, late=False): return {"currentUsage": n, "usagePeriodStart": M, "usagePeriodEnd": A}
def rep(at, v, exp, d=None, **kw):
    s = {"at": at, "op": "report", "featureId": "api-calls", "value": v, **kw, "expect": exp}
    if d: s["description"] = d
    return s
def batch(at, items, exp, d=None):
    s = {"at": at, "op": "report", "items": items, "expect": exp}
    if d: s["description"] = d
    return s
def con(at, r, exp, d=None, **kw):
    s = {"at": at, "op": "consume", "featureId": "api-calls", **({"requestedUsage": r} if r is not None else {}), **kw, "expect": exp}
    if d: s["description"] = d
    return s
ERR_I = {"error": "invalid_usage"}; ERR_C = {"error": "idempotency_conflict"}
D = "2026-03-10T00:00:00Z"
steps = [
 batch(D, [it(5, idempotencyKey="k1"), it(5, idempotencyKey="k1"), it(3)], {"results": [cu(5), cu(5), cu(8)]}, "a repeated key in a batch is answered from the first item"),
 batch(D, [it(1, idempotencyKey="k2"), it(2, idempotencyKey="k2")], ERR_C, "a repeated key with another payload rejects the whole batch"),
 rep(D, 1, cu(9), "k2 was not kept by the rejected batch", idempotencyKey="k2"),
 batch(D, [it(1, idempotencyKey="k3"), it(1e308)], ERR_I),
 rep(D, 7, cu(16), "k3 was not kept", idempotencyKey="k3"),
 rep("2026-03-10T23:59:59.999Z", 5, cu(5), "still remembered 1 ms before 24 h", idempotencyKey="k1"),
 rep("2026-03-11T00:00:00Z", 50, cu(66), "exactly 24 h later the key is forgotten: another payload is a new request", idempotencyKey="k1"),
 rep("2026-03-11T01:00:00Z", 50, cu(66), "remembered anew", idempotencyKey="k1"),
 con("2026-03-11T01:00:00Z", 1, ERR_C, "one namespace for reports and consumes", idempotencyKey="k1"),
 con("2026-03-11T02:00:00Z", 0, {"hasAccess": True, "currentUsage": 66}, "a consume of 0", idempotencyKey="c0"),
 con("2026-03-11T02:00:01Z", None, {"hasAccess": True, "currentUsage": 66}, "absent requestedUsage is 0 in the payload", idempotencyKey="c0"),
 con("2026-03-11T02:00:02Z", 0.0, {"hasAccess": True, "currentUsage": 66}, idempotencyKey="c0"),
 con("2026-03-11T02:00:03Z", 40, {"hasAccess": False, "currentUsage": 66, "accessDeniedReason": "RequestedUsageExceedingLimit"}, idempotencyKey="c1"),
 rep("2026-03-11T02:00:04Z", -50, cu(16)),
 con("2026-03-11T02:00:05Z", 40, {"hasAccess": False, "currentUsage": 66}, "a remembered denial is answered again, though it would now pass", idempotencyKey="c1"),
 rep("2026-03-11T03:00:00Z", 2, cu(18), timestamp="2026-03-11T03:00:00+01:00", idempotencyKey="t1"),
 rep("2026-03-11T03:00:01Z", 2, cu(18), "the same instant spelled in UTC", timestamp="2026-03-11T02:00:00.000Z", idempotencyKey="t1"),
 rep("2026-03-11T03:00:02Z", 2, ERR_C, "an absent timestamp matches only an absent one", idempotencyKey="t1"),
 rep("2026-03-11T03:00:03Z", 2, ERR_C, "1 ms apart is another instant", timestamp="2026-03-11T02:00:00.001Z", idempotencyKey="t1"),
 rep("2026-03-11T03:00:04Z", 2.0, cu(18), "2 and 2.0 are one value; delta spelled out", timestamp="2026-03-11T02:00:00Z", updateBehavior="delta", idempotencyKey="t1"),
 rep("2026-03-11T04:00:00Z", 1, cu(19), "exactly 300 s ahead is taken as now", timestamp="2026-03-11T04:05:00Z"),
 rep("2026-03-11T04:00:00Z", 1, ERR_I, "300.001 s ahead", timestamp="2026-03-11T04:05:00.001Z"),
 rep("2026-03-11T04:00:00Z", 1, ERR_I, "300 s ahead by an offset spelling", timestamp="2026-03-11T05:05:00.001+01:00"),
 rep("2026-03-11T04:00:00Z", 4, cu(19), "late by offset: 2026-02-28T23:59:59.999Z", timestamp="2026-03-01T00:59:59.999+01:00"),
 rep("2026-03-11T04:00:00Z", 9, cu(19), "a late set replaces February's total", timestamp="2026-02-15T00:00:00-05:00", updateBehavior="set"),
 rep("2026-03-11T04:00:00Z", 6, cu(19), "late, before the subscription started: the row without a period", timestamp="2025-12-31T23:00:00Z"),
 {"at": "2026-03-11T05:00:00Z", "op": "putCustomer", "customer": cust(True)},
 rep("2026-03-11T05:00:01Z", 1, cu(20), "an archived customer's reports count"),
 con("2026-03-11T05:00:02Z", 1, {"hasAccess": False, "accessDeniedReason": "CustomerIsArchived"}, idempotencyKey="a1"),
 {"at": "2026-03-11T06:00:00Z", "op": "putCustomer", "customer": cust(False)},
 con("2026-03-11T06:00:01Z", 1, {"hasAccess": False, "accessDeniedReason": "CustomerIsArchived"}, "the remembered archived denial", idempotencyKey="a1"),
 con("2026-03-11T06:00:02Z", 1, {"hasAccess": True, "currentUsage": 20}, idempotencyKey="a2"),
 {"at": "2026-03-11T06:00:03Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "total": 6},
   {"featureId": "api-calls", "periodStart": F, "periodEnd": M, "total": 9},
   {"featureId": "api-calls", "periodStart": M, "periodEnd": A, "total": 21}]}},
]
json.dump({"description": "idempotency in batches, 24 h expiry boundary, payload comparison, skew boundary, late sets, archived customers",
           "catalog": cat, "customer": cust(), "steps": steps}, sys.stdout, indent=1)
