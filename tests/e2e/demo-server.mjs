// Starts the demo exactly as `npm run dev` does (scripts/dev.sh): `wrangler dev` on
// 127.0.0.1 with .dev.vars (DEMO_MODE) and the built Worker and assets, then the seeding
// of scripts/demo-seed.mjs; but on a free port and a temporary persist folder.
import { startWranglerDev } from "../worker/wrangler.mjs";
import { tempDir, removeDir } from "../worker/helpers.mjs";
import { seedDemo } from "../../scripts/demo-seed.mjs";

/** `{ url, stop, restart, persistDir }`; `stop()` also removes the folder unless `keep`. */
export async function startDemo({ persistDir = tempDir("ee-e2e-"), seed = true } = {}) {
  let dev = await startWranglerDev({ persistDir });
  const seeded = seed ? await seedDemo(dev.url) : null;
  const handle = {
    get url() {
      return dev.url;
    },
    persistDir,
    seeded,
    /** Stops wrangler dev (its whole process group); the persisted state stays. */
    async stopServer() {
      await dev.stop();
    },
    /** Starts wrangler dev again on the same persisted state and the same port. */
    async startServer() {
      const port = Number(new URL(dev.url).port);
      dev = await startWranglerDev({ persistDir, port });
      return dev.url;
    },
    async stop({ keep = false } = {}) {
      await dev.stop();
      if (!keep) removeDir(persistDir);
    },
    log: () => dev.log(),
  };
  return handle;
}
