import json, sys, copy
def catalog(api_reset=True, api_type="metered", seats_meter="fluctuating", api_present=True):
    feats = []
    ents = []
    if api_present:
        if api_type == "metered":
            feats.append({"id": "api-calls", "type": "metered", "meter": "incremental"})
            e = {"featureId": "api-calls", "usageLimit": 100}
            if api_reset: e.update({"resetPeriod": "month", "resetAnchor": "calendar"})
        else:
            feats.append({"id": "api-calls", "type": "boolean"})
            e = {"featureId": "api-calls"}
        ents.append(e)
    feats.append({"id": "seats", "type": "metered", "meter": seats_meter})
    se = {"featureId": "seats", "usageLimit": 3}
    if seats_meter == "incremental": se.update({"resetPeriod": "day", "resetAnchor": "calendar"})
    ents.append(se)
    return {"features": feats, "products": [{"id": "app"}], "plans": [{"id": "p", "productId": "app", "entitlements": ents}]}
cust = {"id": "acme", "subscriptions": [{"id": "s", "planId": "p", "status": "active", "startDate": "2026-01-01T00:00:00Z"}]}
M = "2026-03-01T00:00:00Z"; A = "2026-04-01T00:00:00Z"
def rep(at, f, v, exp, **kw): return {"at": at, "op": "report", "featureId": f, "value": v, **kw, "expect": exp}
def chk(at, f, exp, req=0, kind="metered"): return {"at": at, "op": "check", "featureId": f, "kind": kind, "requestedUsage": req, "expect": exp}
def con(at, f, r, exp): return {"at": at, "op": "consume", "featureId": f, "requestedUsage": r, "expect": exp}
def pc(at, d, **kw): return {"at": at, "op": "putCatalog", "description": d, "catalog": catalog(**kw)}
steps = [
 rep("2026-03-10T00:00:00Z", "api-calls", 30, {"currentUsage": 30, "usagePeriodStart": M, "usagePeriodEnd": A}),
 pc("2026-03-11T00:00:00Z", "the reset period is removed", api_reset=False),
 chk("2026-03-11T00:00:01Z", "api-calls", {"currentUsage": 30, "usageLimit": 100, "usagePeriodStart": None, "usagePeriodEnd": None, "resetPeriod": None}),
 rep("2026-04-05T00:00:00Z", "api-calls", 10, {"currentUsage": 40, "usagePeriodStart": None, "usagePeriodEnd": None}),
 pc("2026-04-06T00:00:00Z", "monthly again: the last write (Apr 5) lies in April", api_reset=True),
 chk("2026-04-06T00:00:01Z", "api-calls", {"currentUsage": 40, "usagePeriodStart": A}),
 pc("2026-04-07T00:00:00Z", "api-calls leaves the catalog", api_present=False),
 rep("2026-04-07T00:00:01Z", "api-calls", 1, {"error": "invalid_usage"}),
 con("2026-04-07T00:00:02Z", "api-calls", 1, {"hasAccess": False, "accessDeniedReason": "FeatureNotFound"}),
 pc("2026-04-07T12:00:00Z", "api-calls becomes boolean", api_type="boolean"),
 rep("2026-04-07T12:00:01Z", "api-calls", 1, {"error": "invalid_usage"}),
 con("2026-04-07T12:00:02Z", "api-calls", 1, {"hasAccess": True, "currentUsage": None}),
 pc("2026-04-08T00:00:00Z", "api-calls metered again: its counter was kept", api_reset=True),
 chk("2026-04-08T00:00:01Z", "api-calls", {"currentUsage": 40, "usagePeriodStart": A}),
 rep("2026-04-08T01:00:00Z", "seats", 2, {"currentUsage": 2, "usagePeriodStart": None}, updateBehavior="set"),
 rep("2026-04-08T01:00:01Z", "seats", -5, {"currentUsage": 0}),
 rep("2026-04-08T01:00:02Z", "seats", 2.5, {"currentUsage": 2.5}),
 con("2026-04-08T01:00:03Z", "seats", 0.5, {"hasAccess": True, "currentUsage": 2.5, "usageLimit": 3}),
 con("2026-04-08T01:00:04Z", "seats", 0.1, {"hasAccess": False, "currentUsage": 3, "accessDeniedReason": "RequestedUsageExceedingLimit"}),
 rep("2026-04-08T01:00:05Z", "seats", 10, {"currentUsage": 10}, updateBehavior="set"),
 chk("2026-05-20T00:00:00Z", "seats", {"hasAccess": False, "currentUsage": 10, "accessDeniedReason": "RequestedUsageExceedingLimit"}),
 pc("2026-05-20T00:00:01Z", "seats becomes incremental with a daily reset: last write on Apr 8 is outside today", seats_meter="incremental"),
 chk("2026-05-20T00:00:02Z", "seats", {"hasAccess": True, "currentUsage": 0, "usagePeriodStart": "2026-05-20T00:00:00Z"}),
 pc("2026-05-20T00:00:03Z", "fluctuating again: never resets, counts whatever periodStart"),
 chk("2026-05-20T00:00:04Z", "seats", {"currentUsage": 10}),
 {"at": "2026-05-20T00:00:05Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "total": 10},
   {"featureId": "api-calls", "periodStart": M, "periodEnd": A, "total": 30},
   {"featureId": "seats", "total": 10}]}},
]
json.dump({"description": "catalog changes: reset period removed and restored, feature removed, retyped and restored, fluctuating meter set/clamp/consume",
           "catalog": catalog(), "customer": cust, "steps": steps}, sys.stdout, indent=1)
