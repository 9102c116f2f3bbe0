// The same tests (hooks.test.mjs, ssr.test.mjs) under React 18.3, the older peer the
// package declares: a child `node --test` whose imports of react, react-dom and React
// Testing Library resolve to tests/react/react18/node_modules. Each file checks the
// major it runs on, so a resolution that fell back to React 19 fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

test("hooks and server rendering under React 18", { timeout: 120_000 }, (t) => {
  if (process.env.EXPECT_REACT_MAJOR === "18") return t.skip("already the React 18 run");
  assert.ok(existsSync(`${here}react18/node_modules/react-dom`), "React 18 installed: scripts/setup.sh npm");
  const env = { ...process.env, EXPECT_REACT_MAJOR: "18" };
  delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child of this one
  const run = spawnSync(
    process.execPath,
    ["--import", `${here}react18-register.mjs`, "--test", "--test-reporter=spec", `${here}hooks.test.mjs`, `${here}ssr.test.mjs`],
    { env, encoding: "utf8", timeout: 110_000 },
  );
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out);
  assert.match(out, /pass (\d+)/);
  const passed = Number(out.match(/pass (\d+)/)[1]);
  assert.ok(passed >= 12, `only ${passed} tests passed under React 18:\n${out}`);
  assert.match(out, /fail 0/);
});
