// Faults around the PostgreSQL transactional store, on real PostgreSQL and real HTTP: failed handlers
// racing their redeliveries, a backend terminated mid-handler, an idle-in-transaction timeout shorter
// than the handler, and the handler timeout that must end the transaction by closing its connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiglumeEvent, StandardSettled } from "@siglume-middleware/core";
import { postgresIdempotencyStore, transactionOf, type PostgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { adapters, type HarnessOptions, type RunningApp } from "../support/apps.js";
import { post } from "../support/delivery.js";
import { SECRET } from "../support/events.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { latch, sleep, until } from "../support/timing.js";

let orders: OrdersDatabase;
beforeAll(async () => {
  orders = await startOrdersDatabase();
}, 120_000);
afterAll(() => orders?.close());

const PATH = "/webhooks/siglume";
const byName = (name: string) => adapters.find((adapter) => adapter.name === name)!;
const payOnce = "UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1";

async function records(events: SiglumeEvent[]) {
  const { rows } = await orders.db.query<{ event_id: string; status: string }>(
    "SELECT event_id, status FROM siglume_webhook_events WHERE event_id = ANY($1)",
    [events.map((e) => e.id)],
  );
  return new Map(rows.map((row) => [row.event_id, row.status]));
}

/**
 * Delivers like a sender: the copies at once, then retries each event until it gets a 2xx, however long its
 * holder takes. An answer other than 409 (in flight) or 500 (failed, retried) ends that event's retries.
 */
async function deliverUntilAcknowledged(app: RunningApp, events: SiglumeEvent[], copies: number) {
  const statuses: number[] = [];
  const retried = (status: number) => status === 409 || status === 500;
  await Promise.all(
    events.map(async (event) => {
      const first = await Promise.all(Array.from({ length: copies }, () => post(`${app.url}${PATH}`, event, SECRET)));
      statuses.push(...first.map((r) => r.status));
      let last = first.some((r) => r.status === 204) ? 204 : first.find((r) => !retried(r.status))?.status ?? 409;
      while (retried(last)) {
        await sleep(20); // a sender's pause between retries
        last = (await post(`${app.url}${PATH}`, event, SECRET)).status;
        statuses.push(last);
      }
    }),
  );
  return statuses;
}

describe.each(["express", "koa", "nestjs-express"])("PostgreSQL transactional store on %s", (adapterName) => {
  const adapter = byName(adapterName);

  it("a handler that fails on each event's first delivery while 3 copies race: 60 events, none paid twice, all completed", async () => {
    const store = postgresIdempotencyStore({ connectionString: orders.postgres.url });
    const failedOnce = new Set<string>();
    const options: HarnessOptions = {
      webhookSecret: SECRET,
      idempotencyStore: store,
      onError: () => {},
      onReview: () => {},
      async onDirectPaymentConfirmed(payment, ctx) {
        await transactionOf(ctx).query(payOnce, [(payment as StandardSettled).challenge_hash]);
        if (!failedOnce.has(payment.event.id)) {
          failedOnce.add(payment.event.id);
          throw new Error("first attempt fails after the order update");
        }
      },
    };
    const app = await adapter.start(options);
    try {
      const events = await orders.newOrders(60);
      const statuses = await deliverUntilAcknowledged(app, events, 3);
      expect(statuses.filter((s) => ![204, 409, 500].includes(s))).toEqual([]);
      expect(await orders.paidCounts(events)).toEqual(events.map(() => 1));
      const status = await records(events);
      expect(events.map((e) => status.get(e.id))).toEqual(events.map(() => "completed"));
      expect(failedOnce.size).toBe(60);
    } finally {
      await app.close();
      await store.close();
    }
  }, 60_000);
});

describe.each(["express", "fastify"])("a lost database connection on %s", (adapterName) => {
  const adapter = byName(adapterName);
  let store: PostgresIdempotencyStore | undefined;
  let app: RunningApp | undefined;
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  /**
   * An app whose handler pays the order, then waits until the test releases it. `connectionEnded(event)`
   * resolves once the client of the event's transaction has seen its connection end.
   */
  async function start(connectionString: string) {
    const inHandler = new Set<string>();
    const gates = new Map<string, () => void>();
    const ended = new Map<string, Promise<void>>();
    const errors: unknown[] = [];
    store = postgresIdempotencyStore({ connectionString });
    app = await adapter.start({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onError: (error) => void errors.push(error),
      onReview: () => {},
      async onDirectPaymentConfirmed(payment, ctx) {
        const db = transactionOf(ctx);
        await db.query(payOnce, [(payment as StandardSettled).challenge_hash]);
        ended.set(payment.event.id, new Promise<void>((resolve) => db.once("end", () => resolve())));
        const gate = new Promise<void>((resolve) => gates.set(payment.event.id, resolve));
        inHandler.add(payment.event.id);
        await gate;
        await db.query("SELECT 1");
      },
    });
    const release = (event: SiglumeEvent) => {
      inHandler.delete(event.id);
      gates.get(event.id)?.();
    };
    const connectionEnded = (event: SiglumeEvent) => ended.get(event.id)!;
    return { app, inHandler, release, errors, connectionEnded };
  }

  it("pg_terminate_backend mid-handler: the process lives, the delivery is 503 STORE_CONNECTION_LOST, the redelivery pays once", async () => {
    const { app, inHandler, release, errors, connectionEnded } = await start(`${orders.postgres.url}?application_name=fault_terminate`);
    const [event] = (await orders.newOrders(1)) as [SiglumeEvent];
    const first = post(`${app.url}${PATH}`, event, SECRET);
    await until(() => inHandler.has(event.id));
    const { rows } = await orders.db.query(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'fault_terminate' AND state = 'idle in transaction'",
    );
    expect(rows).toEqual([{ done: true }]);
    await connectionEnded(event); // the handler's client has seen its backend go
    release(event);
    const answer = await first;
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toMatch(/^\d+$/);
    expect(JSON.parse(answer.body).error.code).toBe("STORE_CONNECTION_LOST");
    expect(errors.length).toBeGreaterThan(0);
    expect(await orders.paidCounts([event])).toEqual([0]);

    const retry = post(`${app.url}${PATH}`, event, SECRET);
    await until(() => inHandler.has(event.id));
    release(event);
    expect((await retry).status).toBe(204);
    expect((await post(`${app.url}${PATH}`, event, SECRET)).status).toBe(204);
    expect(await orders.paidCounts([event])).toEqual([1]);
  }, 30_000);

  it("idle_in_transaction_session_timeout shorter than the handler: 503, the process lives, then exactly once", async () => {
    await app?.close();
    await store?.close();
    // 1 s: the retry below runs under the same setting, and must not pause that long between its statements.
    const url = `${orders.postgres.url}?options=${encodeURIComponent("-c idle_in_transaction_session_timeout=1000")}`;
    const { app: next, inHandler, release, connectionEnded } = await start(url);
    const [event] = (await orders.newOrders(1)) as [SiglumeEvent];
    const first = post(`${next.url}${PATH}`, event, SECRET);
    await until(() => inHandler.has(event.id));
    await connectionEnded(event); // PostgreSQL ended the idle transaction's session after 1 s
    release(event);
    const answer = await first;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error.code).toBe("STORE_CONNECTION_LOST");

    const retry = post(`${next.url}${PATH}`, event, SECRET);
    await until(() => inHandler.has(event.id));
    release(event); // well within the 1 s this time
    expect((await retry).status).toBe(204);
    expect(await orders.paidCounts([event])).toEqual([1]);
  }, 30_000);
});

describe("the handler timeout with the transactional store", () => {
  it("closes the transaction's connection: the late handler's writes never commit, and the redelivery pays once", async () => {
    const store = postgresIdempotencyStore({ connectionString: orders.postgres.url });
    const lateQueries: string[] = [];
    const overrun = latch();
    let slow = true;
    const app = await byName("express").start({
      webhookSecret: SECRET,
      idempotencyStore: store,
      handlerTimeoutMs: 300,
      onError: () => {},
      onReview: () => {},
      async onDirectPaymentConfirmed(payment, ctx) {
        const db = transactionOf(ctx);
        await db.query(payOnce, [(payment as StandardSettled).challenge_hash]);
        if (!slow) return;
        await overrun.released; // past the timeout: the test releases it once the delivery was answered
        // Still running after the timeout: this write must not land, inside or outside the transaction.
        await db.query(payOnce, [(payment as StandardSettled).challenge_hash]).then(
          () => lateQueries.push("accepted"),
          (error: Error) => lateQueries.push(error.message),
        );
      },
    });
    try {
      const [event] = (await orders.newOrders(1)) as [SiglumeEvent];
      const first = await post(`${app.url}/webhooks/siglume`, event, SECRET);
      expect(first.status).toBe(503);
      expect(JSON.parse(first.body).error.code).toBe("HANDLER_TIMEOUT");
      overrun.release();
      await until(() => lateQueries.length === 1);
      expect(lateQueries[0]).toMatch(/transaction is over/);
      expect(await orders.paidCounts([event])).toEqual([0]);

      slow = false;
      await until(async () => (await post(`${app.url}/webhooks/siglume`, event, SECRET)).status === 204);
      expect(await orders.paidCounts([event])).toEqual([1]);
    } finally {
      overrun.release();
      await app.close();
      await store.close();
    }
  }, 30_000);
});
