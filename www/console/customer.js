// A customer page: its stored state, the decisions of every feature now (evaluated by the
// engine from the snapshot that EntitlementsClient.connect() keeps current over the live
// channel, with the server key), a usage chart per metered feature, and the actions.
import { el, fill, errorText } from "./dom.js";
import { getCustomer, getCredits, getUsage } from "./api.js";
import { currentKey } from "./session.js";
import { loadEngine } from "./engine.js";
import { subscriptionsView, promotionsView, creditsView } from "./customer-state.js";
import { decisionsView } from "./decisions-view.js";
import { actionsView } from "./customer-actions.js";
import { usageChart } from "./usage-chart.js";

const PUSH_TIMEOUT_MS = 10_000;

export async function renderCustomer(root, customerId) {
  fill(root, el("p", { class: "muted", text: `Loading ${customerId}…` }));
  const [engine, state] = await Promise.all([loadEngine(), getCustomer(customerId)]);
  const key = currentKey();
  const status = el("span", { class: "badge", id: "connection", text: "connecting" });
  const live = await engine.EntitlementsClient.connect({
    url: location.origin,
    customerId,
    token: key,
    storage: null, // nothing of this console is kept in localStorage
    onStatus: (s) => {
      root.dataset.connection = s;
      status.textContent = s;
    },
  });

  status.textContent = live.connectionStatus;
  const version = el("span", { class: "muted small" });
  const stateBox = el("div", {});
  const creditsBox = el("div", {});
  const decisionsBox = el("div", {});
  const chartsBox = el("div", { class: "charts" });
  const charts = new Map(); // featureId -> { chart, limitOf }
  let waiters = [];
  let closed = false;

  const metered = () => live.getEntitlements().filter((d) => d.feature?.type === "metered");

  const refreshCharts = async () => {
    const ds = metered();
    for (const d of ds) {
      const id = d.feature.id;
      if (!charts.has(id)) {
        const canvas = el("canvas", { "data-chart": id, role: "img", "aria-label": `Usage of ${id}` });
        chartsBox.append(el("figure", { class: "chart card", "data-chart-feature": id }, el("figcaption", {}, el("code", { text: id }), d.feature.displayName ? ` ${d.feature.displayName}` : ""), el("div", { class: "chart-box" }, canvas)));
        charts.set(id, usageChart(canvas));
      }
    }
    await Promise.all(
      ds.map(async (d) => {
        const { rows } = await getUsage(customerId, d.feature.id);
        if (closed) return;
        charts.get(d.feature.id).update(rows ?? [], d.hasAccess && !d.isUnlimited ? (d.usageLimit ?? null) : null);
      }),
    );
  };

  const refreshState = async () => {
    const [s, credits] = await Promise.all([getCustomer(customerId), getCredits(customerId)]);
    if (closed) return;
    fill(stateBox, el("h3", { text: "Subscriptions" }), subscriptionsView(s), el("h3", { text: "Promotions" }), promotionsView(s));
    fill(creditsBox, creditsView(credits));
  };

  const render = async () => {
    const info = live.snapshotInfo;
    version.textContent = info ? `snapshot ${info.version} · catalog ${info.catalogVersion}` : "no snapshot yet";
    root.dataset.snapshotVersion = String(info?.version ?? "");
    fill(decisionsBox, decisionsView(live.getEntitlements()));
    try {
      await Promise.all([refreshCharts(), refreshState()]);
    } catch (e) {
      decisionsBox.append(el("p", { class: "error", text: errorText(e) }));
    }
    root.dataset.rendered = String(info?.version ?? "");
  };

  const removeListener = live.addListener((info) => {
    render().then(() => {
      const ready = waiters;
      waiters = [];
      for (const w of ready) w(info.version);
    });
  });

  /** The version of the next snapshot pushed after now, or null after a timeout. */
  const awaitPush = () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== done);
        resolve(null);
      }, PUSH_TIMEOUT_MS);
      const done = (v) => {
        clearTimeout(timer);
        resolve(v);
      };
      waiters.push(done);
    });

  const credit = live.getEntitlements().filter((d) => d.feature?.type === "credit").map((d) => d.feature.id);
  fill(
    root,
    el("div", { class: "page-head" }, el("h2", {}, "Customer ", el("code", { text: customerId })), status, version),
    state.archived ? el("p", { class: "error", text: "Archived." }) : null,
    el("section", { class: "card" }, el("h2", { text: "Decisions now" }), decisionsBox),
    el("section", { class: "card" }, el("h2", { text: "Usage against the limit" }), chartsBox),
    el("section", { class: "card" }, el("h2", { text: "Actions" }), actionsView({ customerId, metered: metered().map((d) => d.feature.id), credit, awaitPush })),
    el("section", { class: "card" }, el("h2", { text: "State" }), stateBox),
    el("section", { class: "card" }, el("h2", { text: "Credit pools" }), creditsBox),
  );
  await render();
  root.dataset.loaded = "true";
  return () => {
    closed = true;
    removeListener();
    live.close();
    for (const c of charts.values()) c.destroy();
  };
}
