// The PostgreSQL transactional store under the ways a handler, a deploy or a race can misuse or
// outrun the event's transaction. Real PostgreSQL; found in review, each once paid an order twice,
// stalled claims or answered the wrong thing.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSiglumeWebhookHandler, type SiglumeContext, type StandardSettled } from "@siglume-middleware/core";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { coreRequest } from "../support/core-request.js";
import { SECRET, signed } from "../support/events.js";
import { startOrdersDatabase, type OrdersDatabase } from "../support/orders.js";
import { withoutLockWaits } from "../support/lock-waits.js";
import { testPool } from "../support/servers.js";
import { sleep, until } from "../support/timing.js";

let orders: OrdersDatabase;
beforeAll(async () => {
  orders = await startOrdersDatabase();
}, 120_000);
afterAll(() => orders?.close());

const PAY = "UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1";
const info = { type: "t", digest: "d" };

/** A handler on the transactional store whose first run does `firstRun`, and every run pays the order. */
function paying(firstRun: (db: ReturnType<typeof transactionOf>, payment: StandardSettled) => Promise<void>) {
  const store = postgresIdempotencyStore({ connectionString: orders.postgres.url });
  const errors: string[] = [];
  let runs = 0;
  const handler = createSiglumeWebhookHandler({
    webhookSecret: SECRET,
    idempotencyStore: store,
    onReview: () => {},
    onError: (error) => void errors.push((error as Error).message),
    async onDirectPaymentConfirmed(payment, ctx: SiglumeContext) {
      runs += 1;
      const db = transactionOf(ctx);
      if (runs === 1) await firstRun(db, payment as StandardSettled);
      await db.query(PAY, [(payment as StandardSettled).challenge_hash]);
    },
  });
  return { store, handler, errors, runs: () => runs };
}

describe("concurrent copies of one event", () => {
  it("6 copies of each of 600 events, claimed at once on the store: every event handled exactly once", async () => {
    const store = postgresIdempotencyStore({ connectionString: orders.postgres.url, table: "race_events" });
    const runs = new Map<string, number>();
    const deliver = async (key: string) => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const claimed = await store.claim(key, info);
        if (claimed.status === "completed") return;
        if (claimed.status === "in_flight") {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await (claimed.claim.transaction as ReturnType<typeof transactionOf>).query("SELECT 1");
        await claimed.claim.complete({ outcome: "ok" });
        return;
      }
      throw new Error(`${key} never completed`);
    };
    try {
      for (let batch = 0; batch < 600; batch += 20) {
        const keys = Array.from({ length: 20 }, (_, i) => `race_${batch + i}`);
        await Promise.all(keys.flatMap((key) => Array.from({ length: 6 }, () => deliver(key))));
      }
      expect(runs.size).toBe(600);
      expect([...runs.values()].filter((n) => n !== 1)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe("ctx.transaction belongs to the store", () => {
  it("a query issued while the failure is being recorded is refused, never committed on its own", async () => {
    const late: string[] = [];
    const { store, handler } = paying(async (db, payment) => {
      // A sibling branch still running when the handler rejects (Promise.all rejects on the first failure).
      await Promise.all([
        (async () => {
          await new Promise((resolve) => setImmediate(resolve));
          await new Promise((resolve) => setImmediate(resolve));
          await db.query(PAY, [payment.challenge_hash]).then(
            () => late.push("landed"),
            (error: Error) => late.push(error.message),
          );
        })(),
        Promise.reject(new Error("payment provider said no")),
      ]);
    });
    try {
      const [event] = await orders.newOrders(1);
      expect((await handler.handle(coreRequest(signed(event!)))).status).toBe(500);
      await until(() => late.length === 1);
      expect(late[0]).toMatch(/transaction is over/);
      expect((await handler.handle(coreRequest(signed(event!)))).status).toBe(204);
      expect(await orders.paidCounts([event!])).toEqual([1]);
    } finally {
      await store.close();
    }
  });

  it.each([
    ["COMMIT", "COMMIT"],
    ["ROLLBACK", "ROLLBACK"],
    ["a savepoint", "SAVEPOINT mine"],
    ["COMMIT after a statement", "SELECT 1; COMMIT"],
  ])("refuses %s through ctx.transaction, and the event still pays once", async (_name, statement) => {
    const refusals: string[] = [];
    const { store, handler } = paying(async (db) => {
      await db.query(statement).catch((error: Error) => refusals.push(error.message));
      throw new Error("and then fails");
    });
    try {
      const [event] = await orders.newOrders(1);
      expect((await handler.handle(coreRequest(signed(event!)))).status).toBe(500);
      expect(refusals).toEqual([expect.stringMatching(/store owns its boundaries/)]);
      expect((await handler.handle(coreRequest(signed(event!)))).status).toBe(204);
      expect(await orders.paidCounts([event!])).toEqual([1]);
    } finally {
      await store.close();
    }
  });

  it("refuses release() and end(): the open transaction can never reach another event's claim", async () => {
    const thrown: string[] = [];
    const { store, handler } = paying(async (db) => {
      for (const method of ["release", "end"] as const) {
        try {
          (db[method] as () => void)();
        } catch (error) {
          thrown.push((error as Error).message);
        }
      }
    });
    try {
      const [a, b] = await orders.newOrders(2);
      expect((await handler.handle(coreRequest(signed(a!)))).status).toBe(204);
      expect((await handler.handle(coreRequest(signed(b!)))).status).toBe(204);
      expect(thrown).toEqual([expect.stringMatching(/must not release or end it/), expect.stringMatching(/must not release or end it/)]);
      expect(await orders.paidCounts([a!, b!])).toEqual([1, 1]);
    } finally {
      await store.close();
    }
  });

  it("a handler that swallows a failed query and returns is a 500 HANDLER_FAILED naming that, not a store outage", async () => {
    // Both completions: the first event of a type writes its outcome with the commit, later ones commit alone.
    const store = postgresIdempotencyStore({ connectionString: orders.postgres.url });
    const errors: string[] = [];
    let runs = 0;
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onReview: () => {},
      onError: (error) => void errors.push((error as Error).message),
      async onDirectPaymentConfirmed(payment, ctx) {
        runs += 1;
        const db = transactionOf(ctx);
        if (runs % 2 === 1) await db.query("SELECT * FROM no_such_table").catch(() => {}); // swallowed, then returns
        else await db.query(PAY, [(payment as StandardSettled).challenge_hash]);
      },
    });
    try {
      for (const event of await orders.newOrders(2)) {
        errors.length = 0;
        const first = await handler.handle(coreRequest(signed(event)));
        expect(first.status).toBe(500);
        expect(JSON.parse(first.body!).error.code).toBe("HANDLER_FAILED");
        expect(errors.join("\n")).toMatch(/went on after a query through ctx.transaction failed/);
        expect((await handler.handle(coreRequest(signed(event)))).status).toBe(204);
        expect(await orders.paidCounts([event])).toEqual([1]);
      }
    } finally {
      await store.close();
    }
  });

  it("behind a pooler that keeps no prepared statement, the store switches to the unprepared claim once", async () => {
    const pool = new pg.Pool({ connectionString: orders.postgres.url, max: 1 });
    pool.on("error", () => {});
    let connections = 0;
    pool.on("connect", () => connections++);
    // What a transaction-mode pooler does to a client: the server connection behind it changes between transactions.
    pool.on("acquire", (client) => void client.query("DEALLOCATE ALL").catch(() => {}));
    const store = postgresIdempotencyStore({ pool, table: "pooled_events" });
    try {
      for (const key of ["a", "b", "c", "d", "e"]) {
        const claimed = await store.claim(key, info);
        expect(claimed.status).toBe("claimed");
        if (claimed.status === "claimed") expect(await claimed.claim.complete({ outcome: "ok" })).toBe(true);
      }
      expect(await store.claim("c", info)).toEqual({ status: "completed", digest: "d", result: null });
      // The first connection lost its statement once; every later claim ran unprepared on the second.
      expect(connections).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it("preparedClaim: false claims, completes and reads back without a prepared statement", async () => {
    const pool = new pg.Pool({ connectionString: orders.postgres.url, max: 1 });
    const store = postgresIdempotencyStore({ pool, table: "unprepared_events", preparedClaim: false });
    try {
      const claimed = await store.claim("evt_$1'", info);
      if (claimed.status !== "claimed") throw new Error(claimed.status);
      expect(await claimed.claim.complete({ outcome: "ok" })).toBe(true);
      expect(await store.claim("evt_$1'", info)).toEqual({ status: "completed", digest: "d", result: null });
      expect((await pool.query("SELECT count(*)::int AS n FROM pg_prepared_statements")).rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it("a connection whose prepared claim was dropped (DISCARD ALL) claims again on a new one", async () => {
    const pool = new pg.Pool({ connectionString: orders.postgres.url, max: 1 }); // one connection: the one discarded
    pool.on("error", () => {});
    const store = postgresIdempotencyStore({ pool, table: "discarded_events" });
    try {
      for (const key of ["a", "b"]) {
        const claimed = await store.claim(key, info);
        expect(claimed.status).toBe("claimed");
        if (claimed.status === "claimed") expect(await claimed.claim.complete({ outcome: "ok" })).toBe(true);
        await pool.query("DISCARD ALL");
      }
      expect(await store.claim("a", info)).toEqual({ status: "completed", digest: "d", result: null });
    } finally {
      await pool.end();
    }
  });

});

describe("deploys", () => {
  it("a starting instance does not stall the claims of running ones behind a long handler (no DDL when the table is current)", async () => {
    const running = postgresIdempotencyStore({ connectionString: `${orders.postgres.url}?application_name=deploy_running`, table: "deploy_events" });
    const busy = await running.claim("evt_busy", info);
    expect(busy.status).toBe("claimed");
    try {
      const restarted = postgresIdempotencyStore({ connectionString: `${orders.postgres.url}?application_name=deploy_restarted`, table: "deploy_events" });
      // The busy handler holds its transaction throughout: neither claim is ever seen waiting for a lock.
      const [first, unrelated] = await withoutLockWaits(
        orders.db,
        "deploy_%",
        (async () => [await restarted.claim("evt_new", info), await running.claim("evt_other", info)])(),
      );
      for (const claimed of [first, unrelated]) if (claimed.status === "claimed") await claimed.claim.complete({ outcome: "ok" });
      await restarted.close();
    } finally {
      if (busy.status === "claimed") await busy.claim.complete({ outcome: "ok" });
      await running.close();
    }
  });
});

describe("labels from a payload", () => {
  it("a NUL in a stored label never reaches PostgreSQL as one", async () => {
    const store = postgresIdempotencyStore({ connectionString: orders.postgres.url, table: "label_events" });
    try {
      const claimed = await store.claim("evt_label", { type: "type\u0000with nul", digest: "d" });
      if (claimed.status !== "claimed") throw new Error(claimed.status);
      expect(await claimed.claim.complete({ outcome: "event:\u0000" })).toBe(true);
      expect(await store.claim("evt_label", info)).toMatchObject({ status: "completed" });
    } finally {
      await store.close();
    }
    await sleep(0);
  });
});
