import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSiglumeWebhookHandler, type SiglumeEvent } from "@siglume-middleware/core";
import { createTableSql, postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { coreRequest } from "../support/core-request.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { testPool, type PostgresServer } from "../support/servers.js";
import { settledOr, sleep, until } from "../support/timing.js";

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


/** The events table as the 0.1 store created it (no claim_token, body_digest or result). */
const tableOf01 = (name: string) => `CREATE TABLE ${name} (
  event_id text PRIMARY KEY, event_type text NOT NULL,
  status text NOT NULL CHECK (status IN ('received', 'processing', 'failed', 'completed')),
  outcome text, attempts integer NOT NULL DEFAULT 0, first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz, locked_until timestamptz)`;
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
  it("claims once, reports in-flight and completed, and re-claims after release or a lapsed lease", async () => {
    const pool = testPool(postgres.url);
    // Two instances on one table: one whose leases hold however slow the machine is, and one whose holder
    // "dies" and whose 300 ms lease lapses.
    const store = postgresIdempotencyStore({ pool, table: "public.lease_events", transactional: false, leaseMs: 60_000 });
    const dying = postgresIdempotencyStore({ pool, table: "public.lease_events", transactional: false, leaseMs: 300 });
    const info = { type: "t", digest: "d" };
    const claimed = async (from: typeof store, key: string) => {
      const result = await from.claim(key, info);
      if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
      return result.claim;
    };
    try {
      const a1 = await claimed(store, "a");
      expect(await store.claim("a", info)).toEqual({ status: "in_flight" });
      await a1.release({ error: new Error("x") });
      const a2 = await claimed(store, "a");
      expect(await a2.complete({ outcome: "standard_settled" })).toBe(true);
      expect(await store.claim("a", info)).toEqual({ status: "completed", digest: "d", result: null });

      const b1 = await claimed(dying, "b");
      expect(b1.renewEveryMs).toBe(100);
      await sleep(400); // the holder "died": no renewal, and its lease (counted from before this wait) is over
      const b2 = await claimed(store, "b");
      // The stale owner can neither renew, complete nor release the new owner's claim.
      expect(await b1.renew()).toBe(false);
      expect(await b1.complete({ outcome: "late" })).toBe(false);
      await b1.release({ error: new Error("late") });
      expect(await store.claim("b", info)).toEqual({ status: "in_flight" });
      expect(await b2.renew()).toBe(true);
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

  it("instances starting together on a fresh database create the table one at a time: no first delivery is 503", async () => {
    // Unserialised, concurrent CREATE TABLE IF NOT EXISTS fails with 23505, 42P07 or 42710 in some sessions.
    for (let round = 0; round < 8; round++) {
      const table = `started_together_${round}`;
      const stores = Array.from({ length: 4 }, () => postgresIdempotencyStore({ connectionString: postgres.url, table }));
      const answers = await Promise.all(
        stores.map((idempotencyStore) => {
          const handler = createSiglumeWebhookHandler({
            webhookSecret: SECRET,
            idempotencyStore,
            onError: () => {},
            onReview: () => {},
            onDirectPaymentConfirmed: () => {},
          });
          return deliver(handler, siglumeEvents.standardSettled());
        }),
      );
      await Promise.all(stores.map((store) => store.close()));
      expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204, 204]);
    }
  });

  it("a backend lost while a starting instance waits to create the table: the claim rejects, the process lives, the next claim works", async () => {
    // The store's advisory-lock namespace for a table (FNV-1a of its name), held here so its start-up DDL waits.
    let namespace = 0x811c9dc5;
    for (const char of "ddl_wait_events") namespace = Math.imul(namespace ^ char.charCodeAt(0), 0x01000193);
    const blocker = await db.connect();
    await blocker.query(`BEGIN; SELECT pg_advisory_xact_lock(${namespace | 0}, 0)`);
    const store = postgresIdempotencyStore({ connectionString: `${postgres.url}?application_name=ddl_wait`, table: "ddl_wait_events" });
    try {
      // The expectation is attached at once: the claim may reject before the terminate query below answers.
      const claimRejects = expect(store.claim("evt_ddl_wait", { type: "t", digest: "d" })).rejects.toThrow(/terminating connection/);
      const waiting = async () =>
        (await db.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'ddl_wait' AND wait_event_type = 'Lock'")).rows;
      await until(async () => (await waiting()).length === 1, 5000);
      await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ddl_wait'");
      await claimRejects;
      await blocker.query("ROLLBACK");
      const claimed = await store.claim("evt_ddl_wait", { type: "t", digest: "d" });
      expect(claimed.status).toBe("claimed");
      if (claimed.status === "claimed") await claimed.claim.complete({ outcome: "ok" });
    } finally {
      blocker.release();
      await store.close();
    }
  });

  it("migrates a table made by the 0.1 store in place, keeping its records", async () => {
    await db.query(tableOf01("old_events"));
    await db.query("INSERT INTO old_events (event_id, event_type, status, outcome, attempts) VALUES ('done', 't', 'completed', 'spent', 1)");
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "old_events" });
    try {
      // Completed before the upgrade, with no digest on record: still a duplicate.
      expect(await store.claim("done", { type: "t", digest: "d" })).toEqual({ status: "completed", digest: null, result: null });
      const result = await store.claim("new", { type: "t", digest: "d" });
      if (result.status !== "claimed") throw new Error(result.status);
      expect(await result.claim.complete({ outcome: "spent", result: "r" })).toBe(true);
      expect(await store.claim("new", { type: "t", digest: "d" })).toEqual({ status: "completed", digest: "d", result: "r" });
    } finally {
      await store.close();
    }
  });

  it("upgrading a 0.1 table that a long transaction holds gives up after 2 s (claims do not queue behind it), then succeeds", async () => {
    await db.query(tableOf01("busy_old_events"));
    const holder = await db.connect();
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "busy_old_events" });
    try {
      await holder.query("BEGIN; SELECT count(*) FROM busy_old_events");
      const claim = Promise.resolve(store.claim("busy", { type: "t", digest: "d" }));
      const claiming = expect(claim).rejects.toMatchObject({ code: "55P03" });
      // The holder commits once the claim has given up; without the lock timeout the claim would wait instead,
      // and succeed after the COMMIT that then comes at 15 s.
      const released = settledOr(claim, 15_000).then(() => holder.query("COMMIT"));
      await claiming;
      await released;
      const claimed = await store.claim("busy", { type: "t", digest: "d" });
      expect(claimed.status).toBe("claimed");
      if (claimed.status === "claimed") await claimed.claim.complete({ outcome: "ok" });
    } finally {
      holder.release();
      await store.close();
    }
  }, 20_000);

  it("exposes its DDL for migrations and, with createTable: false, expects the table to exist", async () => {
    expect(createTableSql("migrated_events")).toMatch(/^CREATE TABLE IF NOT EXISTS "migrated_events"/);
    const store = postgresIdempotencyStore({ connectionString: postgres.url, table: "migrated_events", createTable: false });
    try {
      await expect(store.claim("x", { type: "t", digest: "d" })).rejects.toThrow(/migrated_events/);
      await db.query(store.createTableSql);
      const result = await store.claim("x", { type: "t", digest: "d" });
      if (result.status !== "claimed") throw new Error(result.status);
      expect(await result.claim.complete({ outcome: "spent" })).toBe(true);
    } finally {
      await store.close();
    }
  });
});
