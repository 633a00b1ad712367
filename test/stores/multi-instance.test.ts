import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createSiglumeWebhookHandler, type SiglumeEvent } from "@siglume-middleware/core";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { INSTANCE_SECRET as SECRET, post } from "../support/delivery.js";
import { coreRequest } from "../support/core-request.js";
import { startInstance, type Instance } from "../support/instances.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { startRedis, type RedisServer } from "../support/servers.js";


/** Runs `work` over `items` with at most `limit` in flight. */
async function pooled<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

let orders: OrdersDatabase;
let redis: RedisServer;

beforeAll(async () => {
  [orders, redis] = await Promise.all([startOrdersDatabase(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([orders?.close(), redis?.stop()]);
});

/** The instance kinds: Node's four frameworks, and the fetch handler on Bun (node:crypto seam) and Deno (WebCrypto). */
const KINDS = ["express", "fastify", "koa", "nestjs", "bun", "deno"];

describe.each([
  ["postgres", "the claim row locked in the order update's own transaction"],
  ["redis", "an expiring Redis lock, the order update autocommitted in PostgreSQL"],
])("6 instances (express, fastify, koa, nestjs on Node; Bun; Deno) sharing %s (%s)", (store) => {
  let instances: Instance[] = [];
  beforeAll(async () => {
    const env = { STORE: store, PG_URL: orders.postgres.url, REDIS_URL: redis.url, SECRET };
    instances = await Promise.all(KINDS.map((kind) => startInstance(kind, env)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.kill()));
  });

  it("300 deliveries (50 events × a copy to each of the 6 instances, shuffled, 64 at once) pay every order exactly once", async () => {
    const events = await orders.newOrders(50);
    const deliveries = shuffle(events.flatMap((event) => instances.map((instance) => ({ event, instance }))));
    const results = await pooled(deliveries, 64, ({ event, instance }) => post(instance.url, event));

    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s !== 204 && s !== 409), statuses.join(",")).toEqual([]);
    for (const r of results.filter((r) => r.status === 409)) expect(r.retryAfter).toMatch(/^\d+$/);
    // Every event got at least one 204: the delivery that claimed it.
    const acknowledged = new Set(deliveries.filter((_, i) => statuses[i] === 204).map((d) => d.event.id));
    expect(acknowledged.size).toBe(50);

    expect(await orders.paidCounts(events)).toEqual(events.map(() => 1));
    const dispatches = instances.map((i) => i.output()).join("").match(/^DISPATCH /gm)?.length ?? 0;
    expect(dispatches).toBeGreaterThanOrEqual(50);
    // No event lost: every one ends completed in the shared store.
    if (store === "postgres") {
      const { rows } = await orders.db.query("SELECT status, outcome, attempts FROM siglume_webhook_events WHERE event_id = ANY($1)", [events.map((e) => e.id)]);
      expect(rows).toHaveLength(50);
      expect(rows.every((r) => r.status === "completed" && r.outcome === "standard_settled" && r.attempts === 1)).toBe(true);
    } else {
      const client = new Redis(redis.url);
      try {
        const values = await client.mget(events.map((e) => `siglume:evt:${e.id}`));
        const records = values.map((value) => (value?.startsWith("done:") ? JSON.parse(value.slice(5)) : value));
        expect(records).toEqual(events.map(() => ({ outcome: "standard_settled", digest: expect.stringMatching(/^[\w-]{22}$/) })));
      } finally {
        client.disconnect();
      }
    }

    // Siglume's later retries of the same events are all acknowledged and change nothing.
    const again = await pooled(events, 16, (event) => post(instances[Math.floor(Math.random() * instances.length)]!.url, event));
    expect(again.map((r) => r.status)).toEqual(events.map(() => 204));
    expect(await orders.paidCounts(events)).toEqual(events.map(() => 1));
  }, 120_000);
});

describe("Redis stopped mid-run", () => {
  it("answers 503 with Retry-After and dispatches nothing, then recovers by itself", async () => {
    const store = redisIdempotencyStore({ url: redis.url, keyPrefix: "fault:" });
    const dispatched: string[] = [];
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onDirectPaymentConfirmed: (payment) => void dispatched.push(payment.event.id),
      onReview: () => {},
      onError: () => {},
    });
    const deliver = (event: SiglumeEvent) => {
      const delivery = signedRequest(event, { secret: SECRET });
      return handler.handle(coreRequest(delivery));
    };
    try {
      const event = siglumeEvents.standardSettled();
      await redis.stop();
      const response = await deliver(event);
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toMatch(/^\d+$/);
      expect(dispatched).toEqual([]);

      await redis.start();
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (status !== 204 && Date.now() < deadline) {
        status = (await deliver(event)).status;
        if (status !== 204) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(204);
      expect((await deliver(event)).status).toBe(204);
      expect(dispatched).toEqual([event.id]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
