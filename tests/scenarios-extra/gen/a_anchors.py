import json, sys
F = {"id": "api-calls", "type": "metered", "meter": "incremental", "units": "call"}
def plan(pid, limit, period, anchor=None):
    e = {"featureId": "api-calls", "usageLimit": limit, "resetPeriod": period}
    if anchor: e["resetAnchor"] = anchor
    return {"id": pid, "productId": "app", "entitlements": [e]}
cat = {"features": [F], "products": [{"id": "app"}], "plans": [
    plan("hourly", 100, "hour", "calendar"),
    plan("weekly", 1000, "week", "wednesday"),
    plan("monthly-sub", 5000, "month"),
    plan("daily-sub", 300, "day"),
]}
def cust(p):
    return {"id": "acme", "subscriptions": [{"id": "sub-1", "planId": p, "status": "active", "startDate": "2026-03-04T10:30:00Z"}]}
def chk(at, cu, ps=None, pe=None, d=None, req=0):
    e = {"currentUsage": cu}
    if ps: e["usagePeriodStart"] = ps
    if pe: e["usagePeriodEnd"] = pe
    s = {"at": at, "op": "check", "featureId": "api-calls", "kind": "metered", "requestedUsage": req, "expect": e}
    if d: s["description"] = d
    return s
def rep(at, v, cu, ps=None, pe=None, d=None, **kw):
    e = {"currentUsage": cu, "usagePeriodStart": ps, "usagePeriodEnd": pe}
    s = {"at": at, "op": "report", "featureId": "api-calls", "value": v, **kw, "expect": e}
    if d: s["description"] = d
    return s
def put(at, p, d=None):
    s = {"at": at, "op": "putCustomer", "customer": cust(p)}
    if d: s["description"] = d
    return s
steps = [
    rep("2026-03-11T14:10:00Z", 10, 10, "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z"),
    put("2026-03-11T14:20:00Z", "weekly", "hourly -> weekly (wednesday anchor)"),
    chk("2026-03-11T14:21:00Z", 10, "2026-03-11T00:00:00Z", "2026-03-18T00:00:00Z", "the hour's usage lies in the week"),
    rep("2026-03-11T14:30:00Z", 5, 15, "2026-03-11T00:00:00Z", "2026-03-18T00:00:00Z"),
    put("2026-03-12T09:00:00Z", "monthly-sub", "weekly -> monthly from the subscription start"),
    chk("2026-03-12T09:01:00Z", 15, "2026-03-04T10:30:00Z", "2026-04-04T10:30:00Z", "the week started inside the month: carries on"),
    rep("2026-03-12T09:05:00Z", 1, 16, "2026-03-04T10:30:00Z", "2026-04-04T10:30:00Z"),
    put("2026-03-12T10:00:00Z", "weekly", "monthly -> weekly"),
    chk("2026-03-12T10:01:00Z", 0, "2026-03-11T00:00:00Z", "2026-03-18T00:00:00Z", "the month began before the week: restarts"),
    rep("2026-03-12T10:05:00Z", 2, 2, "2026-03-11T00:00:00Z", "2026-03-18T00:00:00Z"),
    put("2026-03-12T11:00:00Z", "daily-sub", "weekly -> daily anchored on 10:30"),
    rep("2026-03-12T11:05:00Z", 7, 7, "2026-03-12T10:30:00Z", "2026-03-13T10:30:00Z", "the week began before the day: restarts"),
    rep("2026-03-12T11:06:00Z", 3, 7, "2026-03-12T10:30:00Z", "2026-03-13T10:30:00Z", "late: before 10:30, yesterday's daily window", timestamp="2026-03-12T10:00:00Z"),
    put("2026-03-12T11:30:00Z", "hourly", "daily -> hourly, no write"),
    chk("2026-03-12T11:31:00Z", 0, "2026-03-12T11:00:00Z", "2026-03-12T12:00:00Z"),
    put("2026-03-12T11:40:00Z", "daily-sub", "back to daily: reads wrote nothing, so the day's usage counts again"),
    chk("2026-03-12T11:41:00Z", 7, "2026-03-12T10:30:00Z", "2026-03-13T10:30:00Z"),
    {"at": "2026-03-12T11:42:00Z", "op": "history", "expect": {"rows": [
        {"featureId": "api-calls", "periodStart": "2026-03-04T10:30:00Z", "periodEnd": "2026-04-04T10:30:00Z", "total": 1},
        {"featureId": "api-calls", "periodStart": "2026-03-11T00:00:00Z", "periodEnd": "2026-03-18T00:00:00Z", "total": 7},
        {"featureId": "api-calls", "periodStart": "2026-03-11T10:30:00Z", "periodEnd": "2026-03-12T10:30:00Z", "total": 3},
        {"featureId": "api-calls", "periodStart": "2026-03-11T14:00:00Z", "periodEnd": "2026-03-11T15:00:00Z", "total": 10},
        {"featureId": "api-calls", "periodStart": "2026-03-12T10:30:00Z", "periodEnd": "2026-03-13T10:30:00Z", "total": 7}]}},
    {"at": "2026-03-12T11:42:00Z", "op": "history", "description": "from/to: [from, to) overlap, ends and starts exclusive",
     "from": "2026-03-11T15:00:00Z", "to": "2026-03-12T10:30:00Z", "expect": {"rows": [
        {"featureId": "api-calls", "periodStart": "2026-03-04T10:30:00Z", "periodEnd": "2026-04-04T10:30:00Z", "total": 1},
        {"featureId": "api-calls", "periodStart": "2026-03-11T00:00:00Z", "periodEnd": "2026-03-18T00:00:00Z", "total": 7},
        {"featureId": "api-calls", "periodStart": "2026-03-11T10:30:00Z", "periodEnd": "2026-03-12T10:30:00Z", "total": 3}]}},
    {"at": "2026-03-12T11:42:00Z", "op": "history", "description": "from == an end, to just after a start",
     "from": "2026-03-12T10:30:00Z", "to": "2026-03-12T10:30:00.001Z", "expect": {"rows": [
        {"featureId": "api-calls", "periodStart": "2026-03-04T10:30:00Z", "periodEnd": "2026-04-04T10:30:00Z", "total": 1},
        {"featureId": "api-calls", "periodStart": "2026-03-11T00:00:00Z", "periodEnd": "2026-03-18T00:00:00Z", "total": 7},
        {"featureId": "api-calls", "periodStart": "2026-03-12T10:30:00Z", "periodEnd": "2026-03-13T10:30:00Z", "total": 7}]}},
]
json.dump({"description": "plan changes between hourly/weekly(wednesday)/monthly/daily subscriptionStart anchors: carry on or restart, reads write nothing, late report in the daily window, history edges",
           "catalog": cat, "customer": cust("hourly"), "steps": steps}, sys.stdout, indent=1)
