import json, sys
cat = {"features": [{"id": "api-calls", "type": "metered", "meter": "incremental"},
                    {"id": "old", "type": "metered", "meter": "incremental"},
                    {"id": "seats", "type": "metered", "meter": "fluctuating"},
                    {"id": "unl", "type": "metered", "meter": "incremental"}],
       "products": [{"id": "app"}],
       "plans": [{"id": "m", "productId": "app", "entitlements": [
           {"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"},
           {"featureId": "old", "usageLimit": 100, "resetPeriod": "month", "resetAnchor": "calendar"},
           {"featureId": "seats", "usageLimit": 5},
           {"featureId": "unl", "isUnlimited": True, "resetPeriod": "day", "resetAnchor": "calendar"}]}]}
cust = {"id": "acme", "subscriptions": [{"id": "s", "planId": "m", "status": "active", "startDate": "2026-01-01T00:00:00Z"}],
        "usage": [{"featureId": "api-calls", "currentUsage": 50},
                  {"featureId": "old", "currentUsage": 70, "periodStart": "2026-02-01T00:00:00Z"},
                  {"featureId": "seats", "currentUsage": 4, "periodStart": "2020-01-01T00:00:00Z"}]}
M, A = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
def chk(at, f, exp, req=0): return {"at": at, "op": "check", "featureId": f, "kind": "metered", "requestedUsage": req, "expect": exp}
steps = [
 chk("2026-03-10T00:00:00Z", "api-calls", {"currentUsage": 50, "usagePeriodStart": M}),
 chk("2026-03-10T00:00:00Z", "old", {"currentUsage": 0}),
 chk("2026-03-10T00:00:00Z", "seats", {"currentUsage": 4, "hasAccess": True}),
 {"at": "2026-03-10T00:00:01Z", "op": "report", "description": "no periodStart: carries on", "featureId": "api-calls", "value": 1, "expect": {"currentUsage": 51, "usagePeriodStart": M}},
 {"at": "2026-03-10T00:00:01Z", "op": "report", "description": "February's counter restarts", "featureId": "old", "value": 1, "expect": {"currentUsage": 1, "usagePeriodStart": M}},
 {"at": "2026-03-10T00:00:02Z", "op": "consume", "featureId": "seats", "requestedUsage": 1, "expect": {"hasAccess": True, "currentUsage": 4}},
 {"at": "2026-03-10T00:00:03Z", "op": "consume", "featureId": "seats", "requestedUsage": 0.5, "expect": {"hasAccess": False, "currentUsage": 5}},
 {"at": "2026-03-10T00:00:04Z", "op": "consume", "description": "unlimited: counted too", "featureId": "unl", "requestedUsage": 1e15, "expect": {"hasAccess": True, "currentUsage": 0, "isUnlimited": True, "usageLimit": None}},
 {"at": "2026-03-10T23:59:59.999Z", "op": "consume", "featureId": "unl", "requestedUsage": 1, "expect": {"hasAccess": True, "currentUsage": 1e15}},
 {"at": "2026-03-11T00:00:00Z", "op": "consume", "featureId": "unl", "requestedUsage": 1, "expect": {"hasAccess": True, "currentUsage": 0}},
 {"at": "2026-04-01T00:00:00Z", "op": "check", "featureId": "api-calls", "kind": "metered", "expect": {"currentUsage": 0}},
 {"at": "2026-04-01T00:00:00Z", "op": "history", "expect": {"rows": [
   {"featureId": "api-calls", "periodStart": M, "periodEnd": A, "total": 1},
   {"featureId": "old", "periodStart": M, "periodEnd": A, "total": 1},
   {"featureId": "seats", "total": 1},
   {"featureId": "unl", "periodStart": "2026-03-10T00:00:00Z", "periodEnd": "2026-03-11T00:00:00Z", "total": 1e15 + 1},
   {"featureId": "unl", "periodStart": "2026-03-11T00:00:00Z", "periodEnd": "2026-03-12T00:00:00Z", "total": 1}]}},
]
json.dump({"description": "seeded counters (native only: the API cannot seed usage): absent periodStart carries on, a past one restarts, fluctuating ignores it; unlimited consumes count",
           "catalog": cat, "customer": cust, "steps": steps}, sys.stdout, indent=1)
