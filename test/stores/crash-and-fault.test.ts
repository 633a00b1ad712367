import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiglumeEvent } from "@siglume-middleware/core";
import { INSTANCE_SECRET, post } from "../support/delivery.js";
import { startInstance, type Instance } from "../support/instances.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { until } from "../support/timing.js";

// Its own PostgreSQL: the fault test stops and restarts it.
let orders: OrdersDatabase;
const env = () => ({ STORE: "postgres", PG_URL: orders.postgres.url, SECRET: INSTANCE_SECRET });

beforeAll(async () => {
  orders = await startOrdersDatabase();
}, 120_000);
afterAll(() => orders?.close());

const newOrder = async (): Promise<SiglumeEvent> => (await orders.newOrders(1))[0]!;
const paidCount = async (event: SiglumeEvent) => (await orders.paidCounts([event]))[0];
const record = async (event: SiglumeEvent) =>
  (await orders.db.query("SELECT status, attempts FROM siglume_webhook_events WHERE event_id = $1", [event.id])).rows[0];

describe("a process killed (SIGKILL) inside the handler", () => {
  it("leaves no completed record and no order change; the redelivery to another instance completes it once", async () => {
    const doomed = await startInstance("express", { ...env(), PG_URL: `${orders.postgres.url}?application_name=doomed`, CRASH_IN_HANDLER: "1" });
    const survivor = await startInstance("fastify", env());
    try {
      const event = await newOrder();
      const inFlight = post(doomed.url, event);
      await doomed.waitFor(`IN_HANDLER ${event.id}`); // the order UPDATE has run inside the transaction
      await doomed.kill("SIGKILL");
      expect((await inFlight).status).toBe(0); // the connection died with the process

      expect(await paidCount(event)).toBe(0);
      // The claim and the record live in the killed transaction: nothing of it was committed.
      expect(await record(event)).toBeUndefined();

      // Once PostgreSQL has seen the session die (it rolls it back and frees the row), the redelivery runs at once.
      const sessions = async () => (await orders.db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'doomed'")).rows[0].n;
      await until(async () => (await sessions()) === 0, 10_000, "PostgreSQL to end the killed instance's sessions");
      const redelivered = await post(survivor.url, event);
      expect(redelivered.status).toBe(204);
      expect(await paidCount(event)).toBe(1);
      expect(await record(event)).toEqual({ status: "completed", attempts: 1 });

      expect((await post(survivor.url, event)).status).toBe(204);
      expect(await paidCount(event)).toBe(1);
    } finally {
      await Promise.all([doomed.kill("SIGKILL"), survivor.kill()]);
    }
  }, 120_000);
});

describe("PostgreSQL stopped mid-run", () => {
  it("answers 503 with Retry-After and dispatches nothing, then recovers by itself, still exactly once", async () => {
    const instances = await Promise.all([startInstance("koa", env()), startInstance("nestjs", env())]);
    try {
      const before = await newOrder();
      expect((await post(instances[0]!.url, before)).status).toBe(204);

      const during = await Promise.all([newOrder(), newOrder(), newOrder()]);
      await orders.postgres.stop();
      for (const event of during) {
        for (const instance of instances) {
          const res = await post(instance.url, event);
          expect(res.status).toBe(503);
          expect(res.retryAfter).toMatch(/^\d+$/);
          expect(JSON.parse(res.body).error.code).toBe("STORE_UNAVAILABLE");
        }
      }
      const output = instances.map((i) => i.output()).join("");
      for (const event of during) expect(output).not.toContain(`DISPATCH ${event.id}`);

      await orders.postgres.start();
      // Siglume keeps retrying; the pools reconnect on their own, with no restart of the apps.
      for (const event of during) {
        const results = await Promise.all(instances.map((instance) => post(instance.url, event)));
        expect(results.map((r) => r.status).sort()).toEqual(expect.arrayContaining([204]));
        expect(results.every((r) => r.status === 204 || r.status === 409)).toBe(true);
      }
      for (const event of [before, ...during]) {
        expect(await paidCount(event)).toBe(1);
        expect((await record(event)).status).toBe("completed");
      }
    } finally {
      await Promise.all(instances.map((i) => i.kill()));
    }
  }, 120_000);
});
