import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSiglumeWebhookHandler, type SiglumeEvent } from "@siglume-middleware/core";
import { createTableSql, postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { coreRequest } from "../support/core-request.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { testPool, type PostgresServer } from "../support/servers.js";

const SECRET = "whsec_pg";
let orders: OrdersDatabase;
let postgres: PostgresServer;
let db: pg.Pool;

beforeAll(async () => {
  orders = await startOrdersDatabase();
  ({ postgres, db } = orders);
}, 120_000);
afterAll(() => orders?.close());

function deliver(handler: ReturnType<typeof createSiglumeWebhookHandler>, event: SiglumeEvent) {
  const delivery = signedRequest(event, { secret: SECRET });
  return handler.handle(coreRequest(delivery));
}

describe("postgresIdempotencyStore, transactional (default)", () => {
  it("rolls the order update back with the claim when the handler throws, records the attempt, and runs it again", async () => {
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "tx_events" });
    let failNext = true;
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onError: () => {},
      onReview: () => {},
      async onDirectPaymentConfirmed(payment, ctx) {
        await transactionOf(ctx).query("UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1", [payment.challenge_hash]);
        if (failNext) {
          failNext = false;
          throw new Error("after the update");
        }
      },
    });
    try {
      const [event] = (await orders.newOrders(1)) as [SiglumeEvent];
      expect((await deliver(handler, event)).status).toBe(500);
      const paid = async () => (await orders.paidCounts([event]))[0];
      expect(await paid()).toBe(0);
      const row = async () => (await db.query("SELECT event_type, status, outcome, attempts, first_seen_at <= last_seen_at AS ordered FROM tx_events WHERE event_id = $1", [event.id])).rows[0];
      expect(await row()).toEqual({ event_type: "direct_payment.confirmed", status: "failed", outcome: null, attempts: 1, ordered: true });

      expect((await deliver(handler, event)).status).toBe(204);
      expect(await paid()).toBe(1);
      expect(await row()).toEqual({ event_type: "direct_payment.confirmed", status: "completed", outcome: "standard_settled", attempts: 2, ordered: true });
      expect((await deliver(handler, event)).status).toBe(204);
      expect(await paid()).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("records reviews with their reason and never stores the secret or the payload", async () => {
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "tx_events" });
    const handler = createSiglumeWebhookHandler({ webhookSecret: SECRET, idempotencyStore: store, onReview: () => {}, onDirectPaymentConfirmed: () => {} });
    try {
      const event = siglumeEvents.meteredUsageAccepted();
      expect((await deliver(handler, event)).status).toBe(204);
      const { rows } = await db.query("SELECT * FROM tx_events WHERE event_id = $1", [event.id]);
      expect(rows[0].outcome).toBe("review:metered_integration_required");
      expect(JSON.stringify(rows)).not.toContain(SECRET);
      expect(JSON.stringify(rows)).not.toContain(String(event.data.challenge_hash));
    } finally {
      await store.close();
    }
  });
});

describe("postgresIdempotencyStore, lease mode (transactional: false)", () => {
  it("claims once, reports in-flight and completed, and re-claims after release or an expired lease", async () => {
    const pool = testPool(postgres.url);
    const store = postgresIdempotencyStore({ pool, table: "public.lease_events", transactional: false, leaseMs: 300 });
    try {
      expect(await store.claim("a", { type: "t" })).toEqual({ status: "claimed" });
      expect(await store.claim("a", { type: "t" })).toEqual({ status: "in_flight" });
      await store.release("a", { error: new Error("x") });
      expect(await store.claim("a", { type: "t" })).toEqual({ status: "claimed" });
      await store.complete("a", { outcome: "standard_settled" });
      expect(await store.claim("a", { type: "t" })).toEqual({ status: "completed" });

      expect(await store.claim("b", { type: "t" })).toEqual({ status: "claimed" });
      await new Promise((resolve) => setTimeout(resolve, 400)); // the holder "died"
      expect(await store.claim("b", { type: "t" })).toEqual({ status: "claimed" });
      const { rows } = await pool.query("SELECT event_id, status, attempts FROM lease_events ORDER BY event_id");
      expect(rows).toEqual([
        { event_id: "a", status: "completed", attempts: 2 },
        { event_id: "b", status: "processing", attempts: 2 },
      ]);
    } finally {
      await pool.end();
    }
  });
});

describe("postgresIdempotencyStore configuration", () => {
  it("refuses a table name that is not a plain identifier", () => {
    expect(() => postgresIdempotencyStore({ connectionString: postgres.url, table: "events; DROP TABLE orders" })).toThrow(/identifier/);
    expect(() => postgresIdempotencyStore({})).toThrow(/pool.*connectionString/);
  });

  it("exposes its DDL for migrations and, with createTable: false, expects the table to exist", async () => {
    expect(createTableSql("migrated_events")).toMatch(/^CREATE TABLE IF NOT EXISTS "migrated_events"/);
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "migrated_events", createTable: false });
    try {
      await expect(store.claim("x", { type: "t" })).rejects.toThrow(/migrated_events/);
      await db.query(store.createTableSql);
      expect(await store.claim("x", { type: "t" })).toMatchObject({ status: "claimed" });
      await store.complete("x", { outcome: "spent" });
    } finally {
      await store.close();
    }
  });
});
