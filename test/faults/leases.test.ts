// A handler slower than its store's lock or lease, with the sender redelivering meanwhile: the lease
// follows the running handler (renewed until it settles), so there are never two runs at once and
// never a run after success, and the event ends acknowledged. Real Redis, real PostgreSQL, real HTTP.
//
// Decided by events: the handler runs until the test releases it, and the sender redelivers after each
// renewal the test sees, until the lease has been renewed past its first length. The only time left in
// it is the lease itself: 1500 ms, renewed every 500 ms, so a process stalled for up to a second (this
// machine stalls for a third of one under load) still holds it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIdempotencyStore, type IdempotencyStore } from "@siglume-middleware/core";
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { siglumeEvents } from "@siglume-middleware/testing";
import { adapters } from "../support/apps.js";
import { post } from "../support/delivery.js";
import { SECRET } from "../support/events.js";
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from "../support/servers.js";
import { StoreWatch } from "../support/store-watch.js";
import { latch } from "../support/timing.js";

let postgres: PostgresServer;
let redis: RedisServer;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

const LEASE_MS = 1500;
/** Renewals (a third of the lease apart) after which the claim has outlived its first lease. */
const PAST_THE_LEASE = 4;

// `renewed`: whether the lease is short enough to be renewed while the test runs (the default is 30 s).
const stores: [string, boolean, () => IdempotencyStore & { close?: () => Promise<void> }][] = [
  ["memory, default lease", false, () => memoryIdempotencyStore()],
  [`memory, ${LEASE_MS} ms lease`, true, () => memoryIdempotencyStore({ lockTtlMs: LEASE_MS })],
  [`Redis, ${LEASE_MS} ms lock`, true, () => redisIdempotencyStore({ url: redis.url, lockTtlMs: LEASE_MS, keyPrefix: `lease:${Math.random()}:` })],
  [`PostgreSQL lease mode, ${LEASE_MS} ms`, true, () => postgresIdempotencyStore({ connectionString: postgres.url, transactional: false, leaseMs: LEASE_MS })],
];

describe.each(adapters.filter((a) => ["express", "fastify"].includes(a.name)))("a handler slower than its lease on $name", (adapter) => {
  it.each(stores)("%s: one run at a time, none after success, acknowledged in the end", async (_name, renewed, makeStore) => {
    const watch = new StoreWatch();
    const store = watch.wrap(makeStore());
    const handlerDone = latch();
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
        await handlerDone.released;
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

      // The sender redelivers while the handler runs, after each renewal, until a copy is sent once the claim
      // has been renewed past its first lease (and at least 5 in all): every copy meanwhile is 409.
      const statuses: number[] = [];
      for (;;) {
        const renewedBefore = watch.renewals;
        const res = await post(url, event, SECRET);
        statuses.push(res.status);
        expect(res.status, res.body).toBe(409);
        if (statuses.length >= 5 && (!renewed || renewedBefore >= PAST_THE_LEASE)) break;
        if (renewed) await watch.nextRenewal();
      }

      // The handler finishes and its claim is completed: only now is the event acknowledged.
      handlerDone.release();
      await watch.settled();
      const acknowledged = await post(url, event, SECRET);
      statuses.push(acknowledged.status);
      expect(running).toBe(0);
      expect(statuses.at(-1)).toBe(204);
      expect(statuses.filter((s) => s === 409).length).toBeGreaterThanOrEqual(5);

      for (let i = 0; i < 3; i++) expect((await post(url, event, SECRET)).status).toBe(204);
      expect(runs).toBe(1);
      expect(mostAtOnce).toBe(1);
    } finally {
      handlerDone.release();
      await app.close();
      await store.close?.();
    }
  }, 30_000);
});
