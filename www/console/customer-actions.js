// The customer page's actions: report or set usage, consume, grant credits, mint a token.
// Each answers at once, then `awaitPush` shows the new state arriving by the live push.
import { el, fill, fmt, errorText } from "./dom.js";
import { post } from "./api.js";

const options = (ids) => ids.map((id) => el("option", { value: id, text: id }));

function form(title, id, fields, submitText, onSubmit) {
  const outcome = el("p", { class: "small outcome", role: "status" });
  const button = el("button", { class: "btn primary", type: "submit", text: submitText });
  const f = el("form", { class: "action", id }, el("h3", { text: title }), fields, button, outcome);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    fill(outcome, "Sending…");
    try {
      await onSubmit(new FormData(f), outcome);
    } catch (e) {
      fill(outcome, el("span", { class: "error", text: errorText(e) }));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

const field = (labelText, input) => el("label", { class: "field" }, el("span", { text: labelText }), input);

/**
 * `ctx`: `{ customerId, metered: [ids], credit: [ids], awaitPush(): Promise<version|null> }`.
 */
export function actionsView(ctx) {
  const { customerId } = ctx;
  const pushed = async (outcome, text) => {
    fill(outcome, `${text} Waiting for the push…`);
    const version = await ctx.awaitPush();
    fill(outcome, version === null ? `${text} No push within 10 s (the page shows the last snapshot).` : el("span", { "data-pushed": version, text: `${text} Snapshot ${version} pushed.` }));
  };

  const usage = form(
    "Report or set usage",
    "action-usage",
    [
      field("Feature", el("select", { name: "featureId" }, options(ctx.metered))),
      field("Value", el("input", { name: "value", type: "number", step: "any", value: "1", required: true })),
      field("How", el("select", { name: "updateBehavior" }, el("option", { value: "delta", text: "add (delta)" }), el("option", { value: "set", text: "set" }))),
    ],
    "Report",
    async (data, outcome) => {
      const answer = await post("/v1/usage", { customerId, featureId: data.get("featureId"), value: Number(data.get("value")), updateBehavior: data.get("updateBehavior") });
      await pushed(outcome, `Usage now ${fmt(answer.currentUsage)}.`);
    },
  );

  const consume = form(
    "Consume (check and count)",
    "action-consume",
    [
      field("Feature", el("select", { name: "featureId" }, options([...ctx.metered, ...ctx.credit]))),
      field("Amount", el("input", { name: "requestedUsage", type: "number", min: "0", step: "any", value: "1", required: true })),
    ],
    "Consume",
    async (data, outcome) => {
      const d = await post("/v1/check", { customerId, featureId: data.get("featureId"), requestedUsage: Number(data.get("requestedUsage")), consume: true });
      if (!d.hasAccess) {
        fill(outcome, el("span", { class: "error", text: `Denied (${d.accessDeniedReason ?? "no access"}); nothing consumed.` }));
        return;
      }
      await pushed(outcome, "Allowed and counted.");
    },
  );

  const grant = form(
    "Grant credits",
    "action-grant",
    [
      field("Pool", el("select", { name: "featureId" }, options(ctx.credit))),
      field("Amount", el("input", { name: "amount", type: "number", min: "0", step: "any", value: "100", required: true })),
      field("Category", el("select", { name: "category" }, el("option", { value: "paid", text: "paid" }), el("option", { value: "promotional", text: "promotional" }))),
      field("Expires (optional)", el("input", { name: "expiresAt", type: "datetime-local" })),
    ],
    "Grant",
    async (data, outcome) => {
      const body = { customerId, featureId: data.get("featureId"), amount: Number(data.get("amount")), category: data.get("category") };
      if (data.get("expiresAt")) body.expiresAt = new Date(data.get("expiresAt")).toISOString();
      const g = await post("/v1/credits/grants", body);
      await pushed(outcome, `Grant ${g.id ?? ""} stored.`);
    },
  );
  if (ctx.credit.length === 0) grant.querySelector("button").disabled = true;

  const token = form(
    "Mint a customer token",
    "action-token",
    [field("Lifetime (seconds)", el("input", { name: "ttlSeconds", type: "number", min: "1", step: "1", value: "3600", required: true }))],
    "Mint",
    async (data, outcome) => {
      const t = await post(`/v1/customers/${encodeURIComponent(customerId)}/tokens`, { ttlSeconds: Number(data.get("ttlSeconds")) });
      // Shown for copying, never logged; it can read only this customer's snapshot.
      fill(outcome, el("span", { text: `Expires ${t.expiresAt}: ` }), el("input", { class: "token", readonly: true, value: t.token, "aria-label": "Customer token", size: 40 }));
    },
  );

  return el("div", { class: "actions-grid" }, usage, consume, grant, token);
}
