// Debian's Chromium under playwright-core, headless, with the flags this machine needs
// (TOOLCHAIN.md: without the background-networking ones Chromium's own connections are
// refused by the closed network). CHROMIUM_BIN overrides the binary.
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches the browser the e2e tests drive. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}
