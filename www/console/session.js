// The server key of this tab: in memory, mirrored in sessionStorage so that a reload of
// the tab stays signed in. Never in localStorage, a cookie or a URL.
const KEY = "edge-entitlements:console:key";

let key = null;
let environment = null;

function storage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // sandboxed frames and privacy modes can refuse access
  }
}

/** The key of this tab, or `null` when signed out. */
export function currentKey() {
  if (key === null) key = storage()?.getItem(KEY) ?? null;
  return key;
}

/** Keeps a key that the Worker accepted (see main.js: only after a read succeeded). */
export function signIn(accepted, env) {
  key = accepted;
  environment = env ?? null;
  storage()?.setItem(KEY, accepted);
}

export function signOut() {
  key = null;
  environment = null;
  storage()?.removeItem(KEY);
}

/** The environment the key belongs to, when known. */
export function currentEnvironment() {
  return environment;
}

export function setEnvironment(env) {
  environment = env ?? null;
}
