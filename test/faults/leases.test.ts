// A handler slower than its store's lock or lease, with the sender redelivering meanwhile: the lease
// follows the running handler (renewed until it settles), so there are never two runs at once and
// never a run after success, and the event ends acknowledged. Real Redis, real PostgreSQL, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIdempotencyStore, type IdempotencyStore } from "@siglume-middleware/core";
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { siglumeEvents } from "@siglume-middleware/testing";
import { adapters } from "../support/apps.js";
import { post } from "../support/delivery.js";
import { SECRET } from "../support/events.js";
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from "../support/servers.js";
import { sleep } from "../support/timing.js";

let postgres: PostgresServer;
let redis: RedisServer;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

const LEASE_MS = 300;
const HANDLER_MS = 1500;

const stores: [string, () => IdempotencyStore & { close?: () => Promise<void> }][] = [
  ["memory, default lease", () => memoryIdempotencyStore()],
  ["memory, 300 ms lease", () => memoryIdempotencyStore({ lockTtlMs: LEASE_MS })],
  ["Redis, 300 ms lock", () => redisIdempotencyStore({ url: redis.url, lockTtlMs: LEASE_MS, keyPrefix: `lease:${Math.random()}:` })],
  ["PostgreSQL lease mode, 300 ms", () => postgresIdempotencyStore({ connectionString: postgres.url, transactional: false, leaseMs: LEASE_MS })],
];

describe.each(adapters.filter((a) => ["express", "fastify"].includes(a.name)))("a handler slower than its lease on $name", (adapter) => {
  it.each(stores)("%s: one run at a time, none after success, acknowledged in the end", async (_name, makeStore) => {
    const store = makeStore();
    let running = 0;
    let mostAtOnce = 0;
    let runs = 0;
    const app = await adapter.start({
      webhookSecret: SECRET,
      idempotencyStore: store,
      handlerTimeoutMs: 200,
      onError: () => {},
      onReview: () => {},
      async onDirectPaymentConfirmed() {
        runs += 1;
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(HANDLER_MS);
        running -= 1;
      },
    });
    try {
      const event = siglumeEvents.standardSettled();
      const url = `${app.url}/webhooks/siglume`;
      const first = await post(url, event, SECRET);
      expect(first.status).toBe(503);
      expect(JSON.parse(first.body).error.code).toBe("HANDLER_TIMEOUT");
      expect(first.retryAfter).toMatch(/^\d+$/);

      // The sender redelivers every 100 ms, well past the lease, until it is acknowledged.
      const statuses: number[] = [];
      const deadline = Date.now() + HANDLER_MS * 4;
      while (Date.now() < deadline) {
        const res = await post(url, event, SECRET);
        statuses.push(res.status);
        // Acknowledged only once the one run has finished (the handler runs in this process).
        if (res.status === 204) expect(running).toBe(0);
        if (res.status === 204) break;
        expect(res.status, res.body).toBe(409);
        await sleep(100);
      }
      expect(statuses.at(-1)).toBe(204);
      expect(statuses.filter((s) => s === 409).length).toBeGreaterThanOrEqual(5);

      for (let i = 0; i < 3; i++) expect((await post(url, event, SECRET)).status).toBe(204);
      expect(runs).toBe(1);
      expect(mostAtOnce).toBe(1);
    } finally {
      await app.close();
      await store.close?.();
    }
  }, 30_000);
});
