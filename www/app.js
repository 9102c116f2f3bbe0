// The demo page: picks a demo customer, connects an EntitlementsClient to the Worker it
// is served by, and renders every entitlement, evaluated locally, once a second and
// after each snapshot. No framework; the package is the served copy of pkg/.
import init, { EntitlementsClient } from "/pkg/client.js";
import { denialSentence, unitsOf, fmt } from "/reasons.js";

const $ = (sel, root = document) => root.querySelector(sel);
const origin = location.origin;

const DESCRIPTIONS = {
  "demo-free": ["Free", "One plan, small limits, no single sign-on"],
  "demo-pro": ["Pro + add-ons", "Two products, three add-ons and a promotion"],
  "demo-enterprise": ["Enterprise", "Unlimited tokens and seats, a soft API limit"],
  "demo-trial": ["Trial ending", "Pro in trial, ending minutes after the server started"],
  "demo-credits": ["Credits", "A monthly credit grant with rollover, a top-up expiring soon"],
};
const PERIODS = { hour: "hourly", day: "daily", week: "weekly", month: "monthly", year: "yearly" };
const TYPE_GROUPS = [
  ["credit", "Credits", "Prepaid pools: grants burn in order (priority, then earliest expiry); a grant's remainder goes at its expiry"],
  ["metered", "Usage", "Metered features: a limit per period, a level such as seats, or a price in credits"],
  ["numeric", "Limits", "Configuration values"],
  ["boolean", "Features", "On or off"],
];

const state = {
  catalog: null,
  customers: [],
  customerId: null,
  live: null,
  json: null, // the JSON snapshot (plans, add-ons, subscriptions)
  rows: new Map(), // featureId -> row elements
  session: 0, // bumped on every customer switch (drops late answers)
};

// ---------------------------------------------------------------- small helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function duration(ms) {
  if (ms <= 0) return "now";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, "0");
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return d > 0 ? `${d}d ${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

function log(text, kind = "info") {
  const list = $("#log");
  const item = el("li", { class: `log-${kind}` }, el("time", { text: timeFmt.format(new Date()) }), " ", text);
  list.prepend(item);
  while (list.children.length > 40) list.lastElementChild.remove();
}

function featureName(f) {
  return f.displayName ?? f.id;
}

function niceStep(limit) {
  // A "big" consume that visibly moves the bar: about a tenth of the limit, rounded.
  if (!limit || !Number.isFinite(limit)) return 100;
  if (limit <= 20) return Math.max(2, Math.round(limit / 4));
  const raw = limit / 10;
  const p = 10 ** Math.floor(Math.log10(raw));
  return Math.round(raw / p) * p;
}

// ---------------------------------------------------------------- data

async function postJson(path, body) {
  const res = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = data?.error?.message ?? `HTTP ${res.status}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

async function loadJsonSnapshot(id, token, session) {
  try {
    const res = await fetch(`${origin}/v1/customers/${encodeURIComponent(id)}/snapshot`, {
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
      cache: "no-store",
    });
    if (!res.ok || session !== state.session) return;
    state.json = await res.json();
    renderSubscriptions();
  } catch {
    // Offline: the subscriptions panel keeps what it showed.
  }
}

// ---------------------------------------------------------------- picker

function renderPicker() {
  const box = $("#customers");
  box.replaceChildren();
  for (const c of state.customers) {
    const [title, sub] = DESCRIPTIONS[c.id] ?? [c.id, ""];
    const input = el("input", { type: "radio", name: "customer", value: c.id, id: `pick-${c.id}` });
    input.checked = c.id === state.customerId;
    input.addEventListener("change", () => input.checked && selectCustomer(c.id));
    box.append(
      el("label", { class: "pick", for: `pick-${c.id}`, "data-customer-id": c.id }, input,
        el("span", { class: "pick-title", text: title }),
        el("span", { class: "pick-sub", text: sub }),
        el("code", { class: "pick-id", text: c.id })),
    );
  }
}

// ---------------------------------------------------------------- subscriptions panel

function renderSubscriptions() {
  const box = $("#subscriptions");
  const snap = state.json;
  if (!snap) return;
  const plans = new Map(snap.plans.map((p) => [p.id, p]));
  const addons = new Map(snap.addons.map((a) => [a.id, a]));
  const products = new Map((state.catalog?.products ?? []).map((p) => [p.id, p]));
  const features = new Map((state.catalog?.features ?? []).map((f) => [f.id, f]));
  const parts = [];
  for (const sub of snap.customer.subscriptions) {
    const plan = plans.get(sub.planId) ?? { id: sub.planId };
    const parent = plan.parentPlanId ? plans.get(plan.parentPlanId) : null;
    const product = products.get(plan.productId);
    const card = el("article", { class: "sub", "data-subscription-id": sub.id, "data-plan-id": plan.id },
      el("div", { class: "sub-head" },
        el("span", { class: "product", text: product?.displayName ?? plan.productId ?? "" }),
        el("span", { class: `status status-${sub.status}`, "data-status-of": sub.id, text: statusText(sub) })),
      el("h3", { class: "plan", text: plan.displayName ?? plan.id },
        parent ? el("span", { class: "inherits", text: ` builds on ${parent.displayName ?? parent.id}` }) : null),
      el("p", { class: "muted small", text: `Since ${dateFmt.format(new Date(sub.startDate))}` }),
    );
    if (sub.trialEndDate) {
      card.append(el("p", { class: "trial", "data-trial-end": sub.trialEndDate }));
    }
    if (sub.addons?.length) {
      const list = el("ul", { class: "addons", "aria-label": "Add-ons" });
      for (const a of sub.addons) {
        const addon = addons.get(a.addonId) ?? { id: a.addonId };
        list.append(el("li", { class: "addon", "data-addon-id": addon.id },
          addon.displayName ?? addon.id, a.quantity > 1 ? el("span", { class: "qty", text: ` × ${a.quantity}` }) : null));
      }
      card.append(list);
    }
    parts.push(card);
  }
  const promos = snap.customer.promotionalEntitlements ?? [];
  if (promos.length) {
    const list = el("ul", { class: "addons promos", "aria-label": "Promotions" });
    for (const p of promos) {
      const f = features.get(p.featureId);
      const until = p.expiresAt ? ` until ${dateFmt.format(new Date(p.expiresAt))}` : "";
      list.append(el("li", { class: "addon promo" }, `${f ? featureName(f) : p.featureId} (promotion${until})`));
    }
    parts.push(el("article", { class: "sub" }, el("div", { class: "sub-head" }, el("span", { class: "product", text: "Granted directly" })), list));
  }
  if (!parts.length) parts.push(el("p", { class: "muted", text: "No subscriptions." }));
  box.replaceChildren(...parts);
  tickSubscriptions();
}

function statusText(sub) {
  const map = { active: "Active", inTrial: "In trial", canceled: "Canceled", expired: "Expired", notStarted: "Not started", paymentPending: "Payment pending" };
  return map[sub.status] ?? sub.status;
}

function tickSubscriptions() {
  const now = Date.now();
  for (const p of document.querySelectorAll("[data-trial-end]")) {
    const end = Date.parse(p.dataset.trialEnd);
    const left = end - now;
    p.textContent = left > 0
      ? `Trial ends in ${duration(left)} (${timeFmt.format(new Date(end))})`
      : `Trial ended at ${timeFmt.format(new Date(end))}; the plan stopped granting, evaluated in this tab`;
    p.classList.toggle("ended", left <= 0);
  }
}

// ---------------------------------------------------------------- entitlement rows

function buildRows() {
  const groups = $("#groups");
  groups.replaceChildren();
  state.rows.clear();
  const template = $("#row-template");
  const select = $("#ask-feature");
  select.replaceChildren();
  for (const [type, title, help] of TYPE_GROUPS) {
    const features = state.catalog.features.filter((f) => f.type === type);
    if (!features.length) continue;
    const list = el("ul", { class: "rows", "aria-label": title });
    for (const f of features) {
      const li = template.content.firstElementChild.cloneNode(true);
      li.dataset.featureId = f.id;
      li.dataset.type = f.type;
      $(".name", li).textContent = featureName(f);
      const chips = $(".chips", li);
      const kind = f.type === "metered" ? (f.creditCost ? "credits" : f.meter === "fluctuating" ? "level" : "metered") : f.type === "credit" ? "pool" : f.type;
      chips.append(el("span", { class: "chip", text: kind }));
      const row = {
        li,
        feature: f,
        value: $(".value", li),
        meter: $(".meter", li),
        progress: $("progress", li),
        usage: $(".usage", li),
        reset: $(".reset", li),
        reason: $(".reason", li),
        note: $(".note", li),
        actions: $(".actions", li),
        small: $(".small-amount", li),
        big: $(".big-amount", li),
        chips,
        softChip: null,
        step: 1,
        periodEnd: null,
        grants: null,
      };
      if (f.type === "credit") {
        row.grants = el("ol", { class: "grants", "aria-label": `Grants of ${featureName(f)}, in burn order` });
        row.meter.after(row.grants);
      }
      row.progress.id = `bar-${f.id}`;
      row.progress.setAttribute("aria-label", `${featureName(f)} used`);
      row.small.addEventListener("click", () => consume(row, 1));
      row.big.addEventListener("click", () => consume(row, row.step));
      state.rows.set(f.id, row);
      list.append(li);
      select.append(el("option", { value: f.id, text: featureName(f) }));
    }
    groups.append(el("section", { class: "group" }, el("h3", { text: title }), el("p", { class: "muted small", text: help }), list));
  }
}

function softLimitOf(featureId) {
  // The snapshot's granted entitlements carry `softLimit`; the check result does not.
  for (const list of state.json?.granted ?? []) {
    for (const g of list) if (g.featureId === featureId && g.softLimit) return true;
  }
  return false;
}

function check(featureId, requestedUsage = 0) {
  const live = state.live;
  const f = state.rows.get(featureId)?.feature;
  if (!live || !f) return null;
  if (f.type === "boolean") return live.getBooleanEntitlement({ featureId });
  if (f.type === "numeric") return live.getNumericEntitlement({ featureId });
  if (f.type === "credit") return live.getCreditEntitlement({ featureId, options: { requestedUsage } });
  return live.getMeteredEntitlement({ featureId, options: { requestedUsage } });
}

/** A credit pool's row: balance, grants in burn order, the countdown to the next expiry. */
function renderPool(row, r, now) {
  const f = row.feature;
  row.meter.hidden = !r.hasAccess;
  row.actions.hidden = !r.hasAccess;
  row.grants.hidden = !r.hasAccess;
  if (!r.hasAccess && r.accessDeniedReason !== "InsufficientCredits") {
    row.value.textContent = "Not included";
    return;
  }
  const total = (r.grants ?? []).reduce((sum, g) => sum + g.amount, 0);
  row.value.textContent = `${fmt.format(r.balance)} ${unitsOf(f, r.balance)} left`;
  row.progress.max = Math.max(total, 1);
  row.progress.value = Math.min(r.balance, row.progress.max);
  row.progress.setAttribute("aria-valuetext", `${fmt.format(r.balance)} of ${fmt.format(total)} left`);
  row.usage.textContent = `${fmt.format(r.balance)} / ${fmt.format(total)} ${unitsOf(f, total)}`;
  row.li.dataset.balance = String(r.balance);
  row.li.classList.toggle("near", r.balance <= total * 0.2);
  if (r.nextExpiry) {
    row.reset.dataset.nextExpiry = r.nextExpiry.toISOString();
    row.reset.textContent = `Next expiry in ${duration(r.nextExpiry.getTime() - now)}`;
    row.reset.title = `At ${dateFmt.format(r.nextExpiry)} the grant's remainder is gone, decided in this tab`;
  } else {
    delete row.reset.dataset.nextExpiry;
    row.reset.textContent = "Nothing left expires";
    row.reset.removeAttribute("title");
  }
  const items = (r.grants ?? []).map((g) => {
    const name = g.source === "plan" ? "Plan grant" : g.id;
    const tags = [g.source === "plan" ? "plan" : g.category, `priority ${g.priority}`];
    const until = g.expiresAt ? ` · ${g.source === "plan" ? "refills" : "expires"} in ${duration(g.expiresAt.getTime() - now)}` : " · never expires";
    return el("li", { class: "grant", "data-grant-id": g.id, "data-remaining": String(g.remaining) },
      el("span", { class: "grant-name", text: name }),
      el("span", { class: "muted small", text: ` ${fmt.format(g.remaining)} / ${fmt.format(g.amount)} (${tags.join(", ")})${until}` }));
  });
  row.grants.replaceChildren(...items);
  row.step = 100;
  row.small.textContent = "Spend 10";
  row.big.textContent = "Spend 100";
  row.small.setAttribute("aria-label", `Spend 10 ${unitsOf(f, 10)}`);
  row.big.setAttribute("aria-label", `Spend 100 ${unitsOf(f, 100)}`);
}

function renderRow(row, now) {
  const f = row.feature;
  const r = check(f.id);
  if (!r) return;
  row.li.classList.toggle("denied", !r.hasAccess);
  row.li.dataset.access = r.hasAccess ? "granted" : "denied";
  row.reason.hidden = r.hasAccess;
  if (!r.hasAccess) {
    row.reason.textContent = denialSentence(r);
    row.li.dataset.reason = r.accessDeniedReason ?? "";
  } else {
    delete row.li.dataset.reason;
  }
  if (f.type === "credit") {
    renderPool(row, r, now);
    return;
  }
  const metered = f.type === "metered" && r.hasAccess && r.creditId === undefined;
  row.meter.hidden = !metered;
  row.actions.hidden = !(f.type === "metered" && f.meter !== "fluctuating" && r.hasAccess);
  if (f.type === "boolean") {
    row.value.textContent = r.hasAccess ? "Included" : "Not included";
  } else if (f.type === "numeric") {
    row.value.textContent = !r.hasAccess ? "Not included" : r.isUnlimited ? "Unlimited" : `${fmt.format(r.value)} ${unitsOf(f, r.value)}`;
  } else if (r.creditId !== undefined) {
    // Priced in credits: credits replace the limit; its usage is counted for reporting.
    const per = f.creditCost?.perUnit ?? 0;
    row.actions.hidden = !(r.hasAccess || r.accessDeniedReason === "InsufficientCredits");
    row.value.textContent = `${fmt.format(per)} credits per ${f.units ?? "unit"} · ${fmt.format(r.balance)} credits left`;
    row.li.dataset.usage = String(r.currentUsage ?? 0);
    row.step = 10;
    row.small.textContent = "Use 1";
    row.big.textContent = "Use 10";
  } else if (!r.hasAccess) {
    row.value.textContent = "Not included";
  } else {
    const used = r.currentUsage ?? 0;
    const soft = softLimitOf(f.id);
    if (soft && !row.softChip) {
      row.softChip = el("span", { class: "chip soft", text: "soft limit", title: "Going over is allowed and reported, never denied" });
      row.chips.append(row.softChip);
    } else if (!soft && row.softChip) {
      row.softChip.remove();
      row.softChip = null;
    }
    if (r.isUnlimited) {
      row.value.textContent = "Unlimited";
      row.progress.removeAttribute("value"); // indeterminate: no limit to fill
      row.progress.max = 1;
      row.progress.setAttribute("aria-valuetext", `${fmt.format(used)} used, unlimited`);
      row.usage.textContent = `${fmt.format(used)} ${unitsOf(f, used)} used`;
    } else {
      const limit = r.usageLimit ?? 0;
      row.value.textContent = `${fmt.format(limit)} ${unitsOf(f, limit)}${soft ? " (soft limit)" : ""}`;
      row.progress.max = Math.max(limit, 1);
      row.progress.value = Math.min(used, row.progress.max);
      row.progress.setAttribute("aria-valuetext", `${fmt.format(used)} of ${fmt.format(limit)} used`);
      row.usage.textContent = `${fmt.format(used)} / ${fmt.format(limit)} ${unitsOf(f, limit)}`;
      row.li.classList.toggle("near", used >= limit * 0.8);
    }
    row.li.dataset.usage = String(used);
    row.step = niceStep(r.isUnlimited ? 1000 : r.usageLimit);
    row.small.textContent = `Use 1`;
    row.big.textContent = `Use ${fmt.format(row.step)}`;
    row.small.setAttribute("aria-label", `Use 1 ${unitsOf(f, 1)} of ${featureName(f)}`);
    row.big.setAttribute("aria-label", `Use ${row.step} ${unitsOf(f, row.step)} of ${featureName(f)}`);
    if (r.resetPeriod && r.usagePeriodEnd) {
      row.periodEnd = r.usagePeriodEnd.getTime();
      row.reset.dataset.periodEnd = r.usagePeriodEnd.toISOString();
      row.reset.textContent = `Resets ${PERIODS[r.resetPeriod] ?? r.resetPeriod} · in ${duration(row.periodEnd - now)}`;
      row.reset.title = `Next reset: ${dateFmt.format(r.usagePeriodEnd)}`;
    } else {
      row.periodEnd = null;
      delete row.reset.dataset.periodEnd;
      row.reset.textContent = f.meter === "fluctuating" ? "A level, never reset" : "Never resets";
      row.reset.removeAttribute("title");
    }
  }
}

function renderAll() {
  const now = Date.now();
  for (const row of state.rows.values()) renderRow(row, now);
  tickSubscriptions();
  const info = state.live?.snapshotInfo;
  const box = $("#snapshot-info");
  document.body.dataset.snapshotVersion = info ? String(info.version) : "";
  if (info) {
    const next = info.validUntil ? ` · next change by itself in ${duration(info.validUntil.getTime() - now)}` : "";
    box.textContent = `Snapshot v${info.version}, issued ${timeFmt.format(info.issuedAt)}${next}`;
  } else {
    box.textContent = "No snapshot yet";
  }
}

// ---------------------------------------------------------------- actions

function offline() {
  return !state.live || state.live.connectionStatus !== "live";
}

function note(row, text, kind) {
  row.note.hidden = false;
  row.note.textContent = text;
  row.note.dataset.kind = kind;
}

async function consume(row, amount) {
  const f = row.feature;
  const units = unitsOf(f, amount);
  const session = state.session;
  if (offline()) {
    // No server: the local engine decides, and the usage is counted locally until the
    // next snapshot replaces it (the server never sees it).
    const r = check(f.id, amount);
    if (!r?.hasAccess) {
      note(row, `Denied locally: ${denialSentence(r)}`, "denied");
      log(`Offline: ${fmt.format(amount)} ${units} of ${featureName(f)} denied locally`, "denied");
      return;
    }
    if (f.type === "credit") {
      note(row, "Spending credits takes the server's atomic draw: reconnect to spend.", "denied");
      return;
    }
    state.live.recordUsage(f.id, amount);
    note(row, `Offline: recorded ${fmt.format(amount)} ${units} locally (recordUsage). The server has not seen it; the next snapshot replaces it.`, "local");
    log(`Offline: ${fmt.format(amount)} ${units} of ${featureName(f)} recorded locally`, "local");
    renderAll();
    return;
  }
  const before = state.live.snapshotInfo?.version;
  for (const b of [row.small, row.big]) b.disabled = true;
  try {
    const d = await postJson("/demo/consume", { customerId: state.customerId, featureId: f.id, amount });
    if (session !== state.session) return;
    // The answer is logged, but the bar waits for the pushed snapshot.
    if (d.hasAccess) {
      note(row, `Server allowed ${fmt.format(amount)} ${units}; waiting for the push…`, "allowed");
      const drawn = d.draws ? `, drawn from ${d.draws.map((x) => `${x.grantId} (${fmt.format(x.amount)})`).join(", ")}` : "";
      const was = d.balance !== undefined ? `balance was ${fmt.format(d.balance)}` : `was ${fmt.format(d.currentUsage ?? 0)}`;
      log(`Server: consumed ${fmt.format(amount)} ${units} of ${featureName(f)} (${was}${drawn})`, "allowed");
      setTimeout(() => {
        if (row.note.dataset.kind === "allowed" && state.live?.snapshotInfo?.version === before) {
          note(row, "Allowed by the server; no push yet (the connection may be down).", "allowed");
        }
      }, 3000);
    } else {
      note(row, `Denied by the server: ${denialSentence(d)}`, "denied");
      log(`Server: ${featureName(f)} denied (${d.accessDeniedReason})`, "denied");
    }
  } catch (e) {
    note(row, `The server did not answer: ${e.message}`, "error");
  } finally {
    for (const b of [row.small, row.big]) b.disabled = false;
  }
}

function ask(event) {
  event.preventDefault();
  const featureId = $("#ask-feature").value;
  const amount = Number($("#ask-amount").value || 0);
  const out = $("#check-result");
  const requested = Number.isFinite(amount) && amount >= 0 ? amount : 0;
  const r = check(featureId, requested);
  if (!r) return;
  // One answer is far below the browser's timer resolution: time a thousand of them.
  const reps = 1000;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) check(featureId, requested);
  const micros = ((performance.now() - t0) * 1000) / reps;
  const f = state.rows.get(featureId).feature;
  const where = offline() ? "offline, from the snapshot held" : "locally, from the live snapshot";
  let text;
  if (r.hasAccess && r.creditId !== undefined) {
    text = `Allowed: costs ${fmt.format(r.cost)} of ${fmt.format(r.balance)} credits${r.draws ? `, drawn from ${r.draws.map((x) => x.grantId).join(", ") || "nothing"}` : ""}.`;
  } else if (r.hasAccess) {
    if (f.type === "metered") {
      text = r.isUnlimited
        ? `Allowed: unlimited (${fmt.format(r.currentUsage ?? 0)} used).`
        : `Allowed: ${fmt.format(r.currentUsage ?? 0)} of ${fmt.format(r.usageLimit)} used, ${fmt.format(amount)} requested.`;
    } else if (f.type === "numeric") {
      text = `Allowed: ${r.isUnlimited ? "unlimited" : `${fmt.format(r.value)} ${unitsOf(f, r.value)}`}.`;
    } else {
      text = "Allowed.";
    }
  } else {
    text = `Denied: ${denialSentence(r)}`;
  }
  out.dataset.access = r.hasAccess ? "granted" : "denied";
  out.dataset.answeredAt = String(Date.now());
  out.replaceChildren(el("strong", { text }), el("span", { class: "muted small", text: ` Answered ${where} in ${micros < 0.1 ? "<0.1" : micros.toFixed(2)} µs (average of ${fmt.format(reps)} checks) at ${timeFmt.format(new Date())}.` }));
}

// ---------------------------------------------------------------- connection

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live: snapshots pushed over WebSocket",
  reconnecting: "Reconnecting: polling meanwhile",
  offline: "Offline: evaluating locally",
  closed: "Closed",
};

function showStatus(status) {
  const badge = $("#status");
  badge.dataset.status = status;
  badge.textContent = STATUS_TEXT[status] ?? status;
  const online = $("#online");
  online.checked = status !== "offline" && status !== "closed";
  $(".switch-label").textContent = online.checked ? "Connected" : "Disconnected";
  document.body.dataset.connection = status;
}

async function selectCustomer(id) {
  state.session += 1;
  const session = state.session;
  state.customerId = id;
  history.replaceState(null, "", `#${encodeURIComponent(id)}`);
  for (const input of document.querySelectorAll('input[name="customer"]')) input.checked = input.value === id;
  if (state.live) {
    state.live.close();
    state.live = null;
  }
  state.json = null;
  $("#subscriptions").replaceChildren(el("p", { class: "muted", text: "Loading…" }));
  for (const row of state.rows.values()) {
    row.note.hidden = true;
  }
  showStatus("connecting");
  let token;
  try {
    ({ token } = await postJson("/demo/session", { customerId: id }));
  } catch (e) {
    $("#subscriptions").replaceChildren(el("p", { class: "error", text: e.status === 404
      ? "The demo routes are off: start the Worker with DEMO_MODE=\"true\" (npm run dev)."
      : `Could not start a session: ${e.message}` }));
    showStatus("closed");
    return;
  }
  if (session !== state.session) return;
  const live = await EntitlementsClient.connect({
    url: origin,
    customerId: id,
    token,
    pollIntervalMs: 5000,
    maxBackoffMs: 10_000,
    onStatus: (s) => {
      if (state.live === live || state.live === null) showStatus(s);
      if (s === "live") log(`${id}: connected, following the live stream`);
      if (s === "reconnecting") log(`${id}: connection lost, reconnecting with backoff and polling`, "denied");
    },
  });
  if (session !== state.session) {
    live.close();
    return;
  }
  state.live = live;
  showStatus(live.connectionStatus);
  live.addListener((info) => {
    if (state.live !== live) return;
    const how = live.connectionStatus === "live" ? "pushed over WebSocket" : "fetched";
    log(`Snapshot v${info.version} applied (${how})`);
    for (const row of state.rows.values()) {
      if (row.note.dataset.kind === "allowed" || row.note.dataset.kind === "local") row.note.hidden = true;
    }
    renderAll();
    if (live.connectionStatus === "live") loadJsonSnapshot(id, token, session);
  });
  renderAll();
  loadJsonSnapshot(id, token, session);
  log(`${id}: snapshot v${live.snapshotInfo?.version ?? "?"} loaded`);
}

async function main() {
  await init();
  const [catalog, customers] = await Promise.all([
    fetch("/demo/catalog.json").then((r) => r.json()),
    fetch("/demo/customers.json").then((r) => r.json()),
  ]);
  state.catalog = catalog;
  state.customers = customers;
  const fromHash = decodeURIComponent(location.hash.slice(1));
  state.customerId = customers.some((c) => c.id === fromHash) ? fromHash : "demo-pro";
  renderPicker();
  buildRows();
  $("#ask").addEventListener("submit", ask);
  $("#online").addEventListener("change", (e) => {
    if (!state.live) return;
    if (e.target.checked) {
      state.live.reconnect();
      log("Reconnecting on request");
    } else {
      state.live.disconnect();
      log("Disconnected on request: checks, countdowns and rollovers go on locally", "local");
    }
  });
  setInterval(renderAll, 1000);
  await selectCustomer(state.customerId);
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  console.error(e);
  $("#subscriptions").replaceChildren(el("p", { class: "error", text: `The demo failed to start: ${e.message}` }));
});
