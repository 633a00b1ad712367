// The runtime smoke suite: the same app (app.ts) and the same cases (cases.ts) on every runtime, as a real
// process answering real HTTP.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe } from "vitest";
import { smokeCases } from "./cases.js";
import { startTarget, type RunningTarget } from "./spawn.js";

const here = fileURLToPath(new URL(".", import.meta.url));

describe("runtime smoke: node (@hono/node-server)", () => {
  let target: RunningTarget;
  beforeAll(async () => {
    target = await startTarget("node", process.execPath, () => ["--import", "tsx", `${here}entries/node.ts`]);
  });
  afterAll(() => target?.stop());
  smokeCases(() => target);
});
