// The console: sign-in with a server key, then the pages by hash route (#catalog,
// #customers, #customer/<id>, #audit[/<customerId>]). Each page is its own chunk, loaded
// when first shown; the engine's wasm is loaded once (engine.js) by whichever needs it.
import { $, el, fill, errorText } from "./dom.js";
import { request, ApiError } from "./api.js";
import { currentKey, signIn, signOut, currentEnvironment, setEnvironment } from "./session.js";

const PAGES = {
  catalog: async (root) => (await import("./catalog.js")).renderCatalog(root),
  customers: async (root) => (await import("./customers.js")).renderCustomers(root),
  customer: async (root, id) => (await import("./customer.js")).renderCustomer(root, id),
  audit: async (root, id) => (await import("./audit.js")).renderAudit(root, { customerId: id ?? "" }),
};

let cleanup = null;
let routeToken = 0;

/**
 * Asks the Worker whether `key` is a server key, with a read that changes nothing
 * (`GET /v1/environment`, which names the key's environment). Answers
 * `{ ok, environment }`; `{ ok: false }` on 401/403.
 */
async function probe(key) {
  try {
    const { environment } = await request("GET", "/v1/environment", { key });
    return { ok: true, environment };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return { ok: false, refused: true };
    throw e;
  }
}

function showSignIn(message) {
  document.body.dataset.view = "signin";
  $("#app").hidden = true;
  $("#signin").hidden = false;
  fill($("#main"));
  $("#signin-error").textContent = message ?? "";
  $("#key").focus();
}

function showEnvironment() {
  $("#environment").textContent = currentEnvironment() ?? "";
  $("#environment").dataset.environment = currentEnvironment() ?? "";
}

async function route() {
  const token = ++routeToken;
  const [name, ...rest] = location.hash.replace(/^#/, "").split("/");
  const page = PAGES[name] ? name : "catalog";
  let arg;
  try {
    arg = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
  } catch {
    arg = rest.join("/"); // a malformed escape in a hand-typed hash: taken as written
  }
  cleanup?.();
  cleanup = null;
  // A fresh element per page: a late answer of the page left behind lands in a detached one.
  const main = el("main", { id: "main", "data-page": page });
  $("#main").replaceWith(main);
  for (const a of document.querySelectorAll("nav a")) a.toggleAttribute("aria-current", a.dataset.page === (page === "customer" ? "customers" : page));
  try {
    const dispose = await PAGES[page](main, arg);
    if (token !== routeToken) dispose?.();
    else cleanup = dispose ?? null;
  } catch (e) {
    if (token !== routeToken) return;
    if (e instanceof ApiError && e.status === 401) {
      signOut();
      showSignIn("The key is no longer accepted.");
      return;
    }
    fill(main, el("p", { class: "error", text: errorText(e) }));
  }
  showEnvironment();
}

function showApp() {
  document.body.dataset.view = "app";
  $("#signin").hidden = true;
  $("#app").hidden = false;
  showEnvironment();
  route();
}

async function start() {
  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#key");
    const key = input.value.trim();
    input.value = "";
    if (!key) return;
    $("#signin-error").textContent = "Checking…";
    try {
      const answer = await probe(key);
      if (!answer.ok) {
        showSignIn("This key is not accepted: nothing was read or written.");
        return;
      }
      signIn(key, answer.environment);
      $("#signin-error").textContent = "";
      showApp();
    } catch (e) {
      showSignIn(`Could not reach the Worker: ${errorText(e)}`);
    }
  });
  $("#signout").addEventListener("click", () => {
    cleanup?.();
    cleanup = null;
    signOut();
    showSignIn();
  });
  window.addEventListener("hashchange", () => document.body.dataset.view === "app" && route());

  const saved = currentKey();
  if (saved) {
    const answer = await probe(saved).catch(() => ({ ok: false }));
    if (answer.ok) {
      setEnvironment(answer.environment);
      showApp();
    } else {
      signOut();
      showSignIn();
    }
  } else showSignIn();
  document.body.dataset.ready = "true";
}

start();
