// The runtime smoke cases (cases.ts) on Bun (Bun.serve) and Deno (Deno.serve), each with every idempotency
// store: in memory, and the PostgreSQL (pg) and Redis (ioredis) stores against real servers. Bun resolves the
// core's "#platform" under its "node" condition (node:crypto); Deno under "deno" (WebCrypto).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startPostgres, startRedis, testPool, type PostgresServer, type RedisServer } from "../support/servers.js";
import { bunBinary, denoBinary, denoRunArgs } from "../../scripts/lib/runtimes.mjs";
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
  // A database and a Redis database per runtime, so each one's records can be told apart.
  const admin = testPool(postgres.url);
  for (const { name } of runtimes) await admin.query(`CREATE DATABASE smoke_${name}`);
  await admin.end();
});
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

const postgresUrl = (runtime: string) => postgres.url.replace(/\/postgres$/, `/smoke_${runtime}`);
const redisUrl = (runtime: string) => `${redis.url}/${runtimes.findIndex((r) => r.name === runtime) + 1}`;

/** The store a runtime's app uses (SMOKE_STORE), and how many records it holds (undefined: in the app's memory). */
const stores: [string, (runtime: string) => string, (runtime: string) => Promise<number> | undefined][] = [
  ["memory", () => "memory", () => undefined],
  [
    "postgres",
    (runtime) => `postgres:${postgresUrl(runtime)}`,
    async (runtime) => {
      const pool = testPool(postgresUrl(runtime));
      try {
        return Number((await pool.query("SELECT count(*) AS n FROM siglume_webhook_events")).rows[0].n);
      } finally {
        await pool.end();
      }
    },
  ],
  [
    "redis",
    (runtime) => `redis:${redisUrl(runtime)}`,
    async (runtime) => {
      const client = new Redis(redisUrl(runtime));
      try {
        return await client.dbsize();
      } finally {
        client.disconnect();
      }
    },
  ],
];

describe.each(runtimes)("runtime smoke: $name", (runtime) => {
  describe.each(stores)(`${runtime.name} with the %s store`, (store, spec, records) => {
    let target: RunningTarget;
    beforeAll(async () => {
      target = await runtime.start(spec(runtime.name));
    });
    afterAll(() => target?.stop());

    it(`runs on the core's ${runtime.platform} seam`, async () => {
      expect(await callsOf(target)).toMatchObject({ runtime: runtime.name, platform: runtime.platform });
    });
    smokeCases(() => target);
    if (store !== "memory") {
      it(`kept its records in ${store}`, async () => {
        expect(await records(runtime.name)).toBeGreaterThan(0);
      });
    }
  });
});
