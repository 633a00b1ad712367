// The runtime smoke cases (cases.ts) on Bun (Bun.serve) and Deno (Deno.serve), each with every idempotency
// store: in memory, and the PostgreSQL (pg) and Redis (ioredis) stores against real servers. Bun resolves the
// core's "#platform" under its "node" condition (node:crypto); Deno under "deno" (WebCrypto).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from "../support/servers.js";
import { bunBinary, denoBinary, denoRunArgs } from "./binaries.js";
import { callsOf, smokeCases } from "./cases.js";
import { startTarget, type RunningTarget } from "./spawn.js";

const here = fileURLToPath(new URL(".", import.meta.url));

interface Runtime {
  name: string;
  /** The core's seam this runtime picks. */
  platform: "node" | "web";
  start(store: string): Promise<RunningTarget>;
}

const runtimes: Runtime[] = [
  {
    name: "bun",
    platform: "node",
    start: (store) => startTarget("bun", bunBinary(), () => [`${here}entries/bun.ts`], { cwd: here, env: { SMOKE_STORE: store } }),
  },
  {
    name: "deno",
    platform: "web",
    start: (store) =>
      startTarget(
        "deno",
        denoBinary(),
        // The app reads NODE_ENV (through the core), PORT and SMOKE_STORE; pg and ioredis enumerate the environment.
        () => denoRunArgs(`${here}entries/deno.ts`, { env: store === "memory" ? ["NODE_ENV", "PORT", "SMOKE_STORE"] : true }),
        { cwd: here, env: { SMOKE_STORE: store } },
      ),
  },
];

let postgres: PostgresServer;
let redis: RedisServer;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

const stores: [string, () => string][] = [
  ["memory", () => "memory"],
  ["postgres", () => `postgres:${postgres.url}`],
  ["redis", () => `redis:${redis.url}`],
];

describe.each(runtimes)("runtime smoke: $name", (runtime) => {
  describe.each(stores)(`${runtime.name} with the %s store`, (_store, spec) => {
    let target: RunningTarget;
    beforeAll(async () => {
      target = await runtime.start(spec());
    });
    afterAll(() => target?.stop());

    it(`runs on the core's ${runtime.platform} seam`, async () => {
      expect(await callsOf(target)).toMatchObject({ runtime: runtime.name, platform: runtime.platform });
    });
    smokeCases(() => target);
  });
});
