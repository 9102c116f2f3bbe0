// Runs `wrangler dev` (what users run) on 127.0.0.1 in its own process group, and stops
// the whole group (npm -> node -> workerd). Shared by the wrangler-dev suite and the bench.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { root } from "./helpers.mjs";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `wrangler dev --ip 127.0.0.1 --port <free or port> --persist-to <dir>`. With
 * `skipBuild` (the default: the caller built build/ already) wrangler.toml's [build]
 * command is skipped through EE_SKIP_WORKER_BUILD. Resolves once /v1/health answers.
 */
export async function startWranglerDev({ persistDir, port: wantedPort, skipBuild = true, timeoutMs = 120_000 } = {}) {
  const port = wantedPort ?? (await freePort()); // a given port: restart on the same URL
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir, "--log-level", "warn"];
  const child = spawn(join(root, "node_modules/.bin/wrangler"), args, {
    cwd: root,
    detached: true, // own process group (setsid), so the whole tree can be stopped
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      ...(skipBuild ? { EE_SKIP_WORKER_BUILD: "1" } : {}),
    },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!done) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      await exited;
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const r = await fetch(`${url}v1/health`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop, log: () => log, pid: child.pid };
}
