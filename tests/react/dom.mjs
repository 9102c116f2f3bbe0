// A browser-like global scope for React Testing Library: jsdom's window, document and DOM
// classes on globalThis (imported before React, which looks for them when it loads).
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { url: "http://localhost/", pretendToBeVisual: true });
const w = dom.window;
for (const key of Object.getOwnPropertyNames(w)) {
  if (key in globalThis) continue;
  try {
    globalThis[key] = w[key];
  } catch {
    // Read-only on Node's global: Node's own stays.
  }
}
globalThis.window = w;
globalThis.document = w.document;
// React's act() warns outside a test environment that declares itself.
globalThis.IS_REACT_ACT_ENVIRONMENT = true;
