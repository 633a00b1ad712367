// The PostgreSQL order store under 4 instances (Express, Fastify, Koa, NestJS as separate processes)
// sharing one real PostgreSQL for orders, checkout attempts and webhook events, with the sandbox
// delivering round-robin to them like a load balancer: one session per order however many starts,
// every paid order paid exactly once however often its webhook arrives, and then 409 ORDER_ALREADY_PAID.
// Then the store alone, on the same server: lost connections, lock order, start-up DDL.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckoutStoreUnavailableError, createSiglumeCheckoutHandler } from "@siglume-middleware/checkout";
import { postgresOrderStore } from "@siglume-middleware/store-postgres";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { startInstance, type Instance } from "../support/instances.js";
import { withoutLockWaits } from "../support/lock-waits.js";
import { freePort, startPostgres, testPool, type PostgresServer } from "../support/servers.js";
import { sleep, until } from "../support/timing.js";

const ADAPTERS = ["express", "fastify", "koa", "nestjs-express"];
let postgres: PostgresServer;
let db: ReturnType<typeof testPool>;
let sandbox: SiglumeSandbox;
let instances: { instance: Instance; url: string }[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.destroy();
});

describe("postgresOrderStore under 4 instances (express, fastify, koa, nestjs)", () => {
  beforeAll(async () => {
    db = testPool(postgres.url);
    await db.query(`CREATE TABLE orders (id text PRIMARY KEY, amount_minor integer NOT NULL, currency text NOT NULL,
                    status text NOT NULL DEFAULT 'unpaid', owner text NOT NULL)`);
    // The attempts table exists before the instances race to create it.
    await db.query(postgresOrderStore({ pool: db }).attemptsTableSql);
    const ports = await Promise.all(ADAPTERS.map(() => freePort()));
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    sandbox = await startSiglumeSandbox({
      webhookUrl: urls.map((url) => `${url}/webhooks/siglume`),
      port: 0,
      origin: urls,
      delivery: { baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 8 },
    });
    const env = { PG_URL: postgres.url, API_BASE: sandbox.apiBase, SECRET: sandbox.env.SIGLUME_WEBHOOK_SECRET! };
    instances = await Promise.all(
      ADAPTERS.map(async (adapter, i) => ({
        instance: await startInstance(adapter, { ...env, PORT: String(ports[i]) }, "support/checkout-instance.ts"),
        url: urls[i]!,
      })),
    );
  }, 180_000);
  afterAll(async () => {
    await Promise.all(instances.map(({ instance }) => instance.kill()));
    await sandbox?.close();
    await db?.end();
  });

  async function newOrders(count: number, amount = 1200): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `ord_pg_${Date.now()}_${i}_${Math.random().toString(36).slice(2, 6)}`);
    await db.query("INSERT INTO orders (id, amount_minor, currency, owner) SELECT unnest($1::text[]), $2, 'JPY', 'alice'", [ids, amount]);
    return ids;
  }

  async function start(orderId: string, i: number) {
    const response = await fetch(`${instances[i % instances.length]!.url}/checkout/siglume/start`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopper": "alice" },
      body: JSON.stringify({ order_id: orderId }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  /** Starts like a browser that follows 202s. */
  async function startFollowing(orderId: string, i: number) {
    for (let tries = 0; tries < 100; tries++) {
      const answer = await start(orderId, i + tries);
      if (answer.status !== 202) return answer;
      await new Promise((resolve) => setTimeout(resolve, answer.body.retry_after_ms));
    }
    throw new Error("still creating");
  }

  const sandboxPost = (path: string) => fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${path}`, { method: "POST" });
  const printed = (word: string) => instances.map(({ instance }) => instance.output()).join("").match(new RegExp(`^${word} `, "gm"))?.length ?? 0;

  it("20 concurrent starts for one order, across the instances, create one session and one attempt", async () => {
    const [orderId] = await newOrders(1);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => start(orderId!, i)));
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 202)).toEqual([]);
    expect(new Set(answers.filter((a) => a.status === 200).map((a) => a.body.session_id)).size).toBeLessThanOrEqual(1);
    const settled = await startFollowing(orderId!, 0);
    expect(settled.status).toBe(200);
    expect(sandbox.sessions().filter((s) => s.metadata_jsonb.order_id === orderId)).toHaveLength(1);
    const { rows } = await db.query("SELECT status, session_id FROM siglume_checkout_attempts WHERE order_id = $1", [orderId]);
    expect(rows).toEqual([{ status: "pending", session_id: settled.body.session_id }]);
  });

  it("every paid order is paid exactly once, however often and wherever its webhook arrives; then starts answer 409 ORDER_ALREADY_PAID", async () => {
    const orderIds = await newOrders(12);
    const sessions = await Promise.all(orderIds.map((id, i) => startFollowing(id, i)));
    const paidBefore = printed("PAID");
    // Confirm all at once, then redeliver each event three times, concurrently: deliveries land on every
    // instance, duplicates overlap (409 in flight, retried by the sandbox) and each order is paid once.
    const confirms = await Promise.all(sessions.map((s) => sandboxPost(`${s.body.session_id}/confirm`)));
    expect(confirms.map((r) => r.status)).toEqual(orderIds.map(() => 200));
    await Promise.all(sessions.flatMap((s) => [1, 2, 3].map(() => sandboxPost(`${s.body.session_id}/redeliver`))));
    await sandbox.idle();

    const { rows: paidOrders } = await db.query("SELECT id, status FROM orders WHERE id = ANY($1) ORDER BY id", [orderIds]);
    expect(paidOrders.map((r) => r.status)).toEqual(orderIds.map(() => "paid"));
    const { rows: attempts } = await db.query(
      "SELECT order_id, count(*) FILTER (WHERE status = 'paid')::int AS paid, count(*)::int AS total FROM siglume_checkout_attempts WHERE order_id = ANY($1) GROUP BY order_id",
      [orderIds],
    );
    expect(attempts.every((a) => a.paid === 1 && a.total === 1)).toBe(true);
    expect(printed("PAID") - paidBefore).toBe(orderIds.length);
    expect(printed("MISMATCH")).toBe(0);
    // The event records committed with the payments: one completed row per confirmation event.
    const eventIds = sandbox.sessions().filter((s) => orderIds.includes(String(s.metadata_jsonb.order_id))).map((s) => s.confirmation!.event.id);
    const { rows: events } = await db.query("SELECT status, outcome FROM siglume_webhook_events WHERE event_id = ANY($1)", [eventIds]);
    expect(events).toHaveLength(orderIds.length);
    expect(events.every((e) => e.status === "completed" && e.outcome === "standard_settled")).toBe(true);

    const after = await Promise.all(orderIds.slice(0, 4).map((id, i) => start(id, i)));
    for (const answer of after) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("ORDER_ALREADY_PAID");
    }
  });
});

describe("postgresOrderStore alone: lost connections, lock order, start-up DDL", () => {
  const APP = "siglume_orders_under_test";
  let faults: ReturnType<typeof testPool>;
  let url: string;
  let local: SiglumeSandbox;
  const origin = "http://127.0.0.1:3999";

  beforeAll(async () => {
    const admin = testPool(postgres.url);
    await admin.query("CREATE DATABASE faults");
    await admin.end();
    url = postgres.url.replace(/\/postgres$/, "/faults");
    faults = testPool(url);
    await faults.query(`CREATE TABLE orders (id text PRIMARY KEY, amount_minor integer NOT NULL, currency text NOT NULL,
                        status text NOT NULL DEFAULT 'unpaid')`);
    await faults.query(postgresOrderStore({ pool: faults }).attemptsTableSql);
    local = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, port: 0, origin });
  }, 60_000);
  afterAll(async () => {
    await local?.close();
    await faults?.end();
  });

  let counter = 0;
  async function order(amount = 1200, currency = "JPY"): Promise<string> {
    const id = `ord_f_${++counter}_${Math.random().toString(36).slice(2, 6)}`;
    await faults.query("INSERT INTO orders (id, amount_minor, currency) VALUES ($1, $2, $3)", [id, amount, currency]);
    return id;
  }
  const startRequest = (orderId: string) => ({ method: "POST", header: () => "application/json", readBody: () => ({ order_id: orderId }), request: {} });
  const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, any>;
  function handlerFor(orders: ReturnType<typeof postgresOrderStore>, errors: unknown[] = []) {
    return createSiglumeCheckoutHandler({
      merchant: "sandbox_merchant",
      publicOrigin: origin,
      orders,
      apiBase: local.apiBase,
      merchantAuthToken: "sandbox_merchant_token",
      onError: (error) => void errors.push(error),
    });
  }
  const backends = async (where: string) =>
    (await faults.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, [APP])).rows.map((r) => r.pid as number);

  it("a backend terminated while a start waits for the order's lock: 503 ORDER_STORE_UNAVAILABLE, the process lives, the next start works", async () => {
    // The pool the store would make for itself, made here so the test sees its clients leave it.
    const pool = new pg.Pool({ connectionString: `${url}?application_name=${APP}`, max: 10, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
    pool.on("error", () => {});
    const store = postgresOrderStore({ pool, owns: () => true });
    const errors: unknown[] = [];
    const handler = handlerFor(store, errors);
    const orderId = await order();
    let gone: Promise<void> | undefined;
    // A webhook's transaction holds the order's row (a payment being written).
    const holder = await faults.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", [orderId]);
    try {
      const answer = handler.handle(startRequest(orderId));
      await until(async () => (await backends("wait_event_type = 'Lock'")).length === 1, 10_000, "the start to wait for the row lock");
      const [pid] = await backends("wait_event_type = 'Lock'");
      gone = new Promise<void>((resolve) => pool.on("remove", (client: pg.PoolClient & { processID?: number }) => client.processID === pid && resolve()));
      await faults.query("SELECT pg_terminate_backend($1)", [pid]);
      const response = await answer;
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(body(response).error).toEqual({ code: "ORDER_STORE_UNAVAILABLE", message: expect.stringMatching(/order database.*connection/i) });
      expect(response.body).not.toContain("sandbox_merchant_token");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(CheckoutStoreUnavailableError);
      expect(String((errors[0] as Error).message)).toMatch(/pg_terminate_backend/);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    // The dead client has left the pool and its connection has ended: a late 'error' from it would have
    // surfaced by now as an uncaught exception.
    await gone;
    // Nothing was written, and the store's pool serves the next start.
    expect((await faults.query("SELECT count(*)::int AS n FROM siglume_checkout_attempts WHERE order_id = $1", [orderId])).rows[0].n).toBe(0);
    const next = await handler.handle(startRequest(orderId));
    expect(next.status).toBe(200);
    await store.close();
    await pool.end();
  });

  const beginFor = (store: ReturnType<typeof postgresOrderStore>, id: string) =>
    store.beginAttempt({ order: { id, amount_minor: 1200, currency: "JPY", status: "unpaid" }, merchant: "sandbox_merchant", creationLeaseMs: 30_000 });

  it("start-up DDL: a new instance on an existing table runs none, so no start queues behind a running transaction", async () => {
    const running = postgresOrderStore({ connectionString: `${url}?application_name=ddl_running` });
    await beginFor(running, await order()); // this instance checked its table long ago
    // A webhook's transaction has written an attempt and is still running (RowExclusiveLock on the table).
    const busy = await faults.connect();
    await busy.query("BEGIN");
    await busy.query("UPDATE siglume_checkout_attempts SET updated_at = now() WHERE attempt_id = 'none'");
    // A rolling deploy starts another instance.
    const restarted = postgresOrderStore({ connectionString: `${url}?application_name=ddl_restarted` });
    const [a, b] = [await order(), await order()];
    try {
      // Both begin while that transaction runs, and neither is ever seen waiting for a lock (a CREATE INDEX
      // would wait for it, and queue every start behind it).
      await withoutLockWaits(faults, "ddl_%", (async () => [await beginFor(restarted, a), await beginFor(running, b)])());
      await busy.query("COMMIT");
    } finally {
      await busy.query("ROLLBACK").catch(() => {});
      busy.release();
      await Promise.all([running.close(), restarted.close()]);
    }
  });

  it("start-up DDL: creates a missing table with its indexes, and later only what is missing", async () => {
    const indexes = async () =>
      (await faults.query("SELECT indexname FROM pg_indexes WHERE tablename = 'ddl_attempts' AND indexname LIKE 'ddl_attempts_one_%' ORDER BY 1")).rows.map((r) => r.indexname);
    const fresh = postgresOrderStore({ connectionString: url, attemptsTable: "ddl_attempts" });
    expect((await beginFor(fresh, await order())).state).toBe("create");
    expect(await indexes()).toEqual(["ddl_attempts_one_active", "ddl_attempts_one_paid"]);
    await faults.query("DROP INDEX ddl_attempts_one_paid");
    const later = postgresOrderStore({ connectionString: url, attemptsTable: "ddl_attempts" });
    expect((await beginFor(later, await order())).state).toBe("create");
    expect(await indexes()).toEqual(["ddl_attempts_one_active", "ddl_attempts_one_paid"]);
    await Promise.all([fresh.close(), later.close()]);
  });

  it("start-up DDL: instances starting together on a fresh database create the table one at a time, and every start works", async () => {
    for (let round = 0; round < 20; round++) {
      const stores = Array.from({ length: 4 }, () => postgresOrderStore({ connectionString: url, attemptsTable: `together_${round}` }));
      const orders = await Promise.all(stores.map(() => order()));
      const begun = await Promise.allSettled(stores.map((store, i) => beginFor(store, orders[i]!)));
      await Promise.all(stores.map((store) => store.close()));
      expect(begun.map((result) => (result.status === "fulfilled" ? result.value.state : String(result.reason)))).toEqual(["create", "create", "create", "create"]);
    }
  });

  /** A real client whose `query` stops after its `pauseAfter`-th statement (holding what it locked) until resumed. */
  function pausing(client: pg.PoolClient, pauseAfter: number) {
    let count = 0;
    let reached!: () => void;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (resume = resolve));
    const proxy = new Proxy(client, {
      get(target, property) {
        if (property === "query") {
          return async (...args: unknown[]) => {
            const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
            if (++count === pauseAfter) {
              reached();
              await gate;
            }
            return result;
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { proxy, paused, resume };
  }

  it("lock order: fulfilment and a start for the same order never deadlock, wherever the payment's transaction pauses", async () => {
    const starts = postgresOrderStore({ pool: faults });
    const outcomes: string[] = [];
    for (const mode of ["webhook transaction (ctx)", "markPaid's own transaction"] as const) {
      for (let pauseAfter = 1; ; pauseAfter++) {
        // An attempt whose session expired in our clock; its payment (made just before expiry) arrives now,
        // while the shopper starts again (the start ends that attempt and begins another).
        const orderId = await order();
        const hash = `sha256:${orderId}`;
        await faults.query(
          `INSERT INTO siglume_checkout_attempts (attempt_id, order_id, attempt_number, nonce, status, merchant, amount_minor, currency,
             challenge_hash, session_id, checkout_url, expires_at)
           VALUES ($1, $2, 1, $1, 'pending', 'sandbox_merchant', 1200, 'JPY', $3, $1, 'http://x', now() - interval '1 second')`,
          [`att_${orderId}`, orderId, hash],
        );
        const client = await faults.connect();
        const pause = pausing(client, pauseAfter);
        const payment = { status: "paid" as const, requirement_id: `dpr_${orderId}`, chain_receipt_id: "rc", event_id: `evt_${orderId}` };
        let webhook: Promise<string>;
        if (mode === "webhook transaction (ctx)") {
          const ctx = { transaction: pause.proxy };
          webhook = (async () => {
            await pause.proxy.query("BEGIN");
            const target = await starts.findOrderByChallengeHash(hash, ctx);
            const result = await starts.markPaid(target!, payment, ctx);
            await pause.proxy.query("COMMIT");
            return result;
          })();
        } else {
          const target = (await starts.findOrderByChallengeHash(hash))!;
          const pool = Object.assign(Object.create(faults), { connect: async () => pause.proxy }) as pg.Pool;
          webhook = postgresOrderStore({ pool, createTable: false }).markPaid(target, payment);
        }
        const settled = webhook.then((r) => `paid: ${r}`, (e: { code?: string; message?: string }) => `failed: ${e.code} ${e.message}`);
        const reached = await Promise.race([pause.paused.then(() => true), settled.then(() => false)]);
        // markPaid's own transaction releases its client itself; the webhook's is the test's to end.
        const end = async () => {
          if (mode !== "webhook transaction (ctx)") return;
          await client.query("ROLLBACK").catch(() => {});
          client.release();
        };
        if (!reached) {
          await end();
          expect(await settled).toBe("paid: paid");
          break; // the transaction has fewer statements: every pause point was tried
        }
        let startSettled = false;
        const start = beginFor(starts, orderId)
          .then((r) => `start: ${r.state}`, (e: { code?: string; message?: string }) => `start failed: ${e.code} ${e.message}`)
          .finally(() => (startSettled = true));
        // The start runs to its end, or queues on a lock the paused transaction holds.
        const waitingForLock = async () =>
          ((await faults.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount ?? 0) > 0;
        await until(async () => startSettled || (await waitingForLock()), 10_000, "the start to finish or wait for a lock");
        pause.resume();
        const [paid, started] = await Promise.all([settled, start]);
        await end();
        outcomes.push(`${mode}, pause after ${pauseAfter}: ${paid} / ${started}`);
        expect(`${paid} ${started}`, outcomes.at(-1)).not.toMatch(/40P01|failed/);
        const { rows } = await faults.query("SELECT status FROM orders WHERE id = $1", [orderId]);
        expect(rows[0].status).toBe("paid");
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
  });

  it("paying: two sessions of one order paid together pay it once (order_already_paid); a second charge on one session is duplicate_payment", async () => {
    const store = postgresOrderStore({ pool: faults });
    const orderId = await order();
    const attempt = async (n: number, expired: boolean) => {
      await faults.query(
        `INSERT INTO siglume_checkout_attempts (attempt_id, order_id, attempt_number, nonce, status, merchant, amount_minor, currency,
           challenge_hash, session_id, checkout_url, expires_at)
         VALUES ($1, $2, $3, $1, $4, 'sandbox_merchant', 1200, 'JPY', $5, $1, 'http://x', now() + interval '1 hour')`,
        [`att_${orderId}_${n}`, orderId, n, expired ? "expired" : "pending", `sha256:${orderId}_${n}`],
      );
      return (await store.findOrderByChallengeHash(`sha256:${orderId}_${n}`))!;
    };
    const [one, two] = [await attempt(1, true), await attempt(2, false)];
    const payment = (requirement: string) => ({ status: "paid" as const, requirement_id: requirement, chain_receipt_id: "rc", event_id: `evt_${requirement}` });
    const outcomes = await Promise.all([store.markPaid(one, payment("dpr_1")), store.markPaid(two, payment("dpr_2"))]);
    expect([...outcomes].sort()).toEqual(["order_already_paid", "paid"]);
    const paidBy = outcomes[0] === "paid" ? "dpr_1" : "dpr_2";
    const paidTarget = outcomes[0] === "paid" ? one : two;
    expect(await store.markPaid(paidTarget, payment(paidBy))).toBe("already_paid");
    expect(await store.markPaid(paidTarget, payment("dpr_other"))).toBe("duplicate_payment");
    expect((await store.findOrderByChallengeHash(`sha256:${paidTarget.attemptId.replace("att_", "")}`))?.paidRequirementId).toBe(paidBy);
    const { rows } = await faults.query("SELECT status, requirement_id FROM siglume_checkout_attempts WHERE order_id = $1 AND status = 'paid'", [orderId]);
    expect(rows).toEqual([{ status: "paid", requirement_id: paidBy }]);
    expect((await faults.query("SELECT status FROM orders WHERE id = $1", [orderId])).rows[0].status).toBe("paid");
  });

  it("paying: an order whose amount changed after its target was read (no transaction held it) is amount_changed, nothing written", async () => {
    const store = postgresOrderStore({ pool: faults });
    const orderId = await order();
    await faults.query(
      `INSERT INTO siglume_checkout_attempts (attempt_id, order_id, attempt_number, nonce, status, merchant, amount_minor, currency,
         challenge_hash, session_id, checkout_url, expires_at)
       VALUES ($1, $2, 1, $1, 'pending', 'sandbox_merchant', 1200, 'JPY', $3, $1, 'http://x', now() + interval '1 hour')`,
      [`att_${orderId}_changed`, orderId, `sha256:${orderId}_changed`],
    );
    const target = (await store.findOrderByChallengeHash(`sha256:${orderId}_changed`))!;
    expect(target.order.amount_minor).toBe(1200);
    await faults.query("UPDATE orders SET amount_minor = 1500 WHERE id = $1", [orderId]); // the shop edits the order meanwhile
    const payment = { status: "paid" as const, requirement_id: "dpr_changed", chain_receipt_id: "rc", event_id: "evt_changed" };
    expect(await store.markPaid(target, payment)).toBe("amount_changed");
    expect((await faults.query("SELECT status FROM orders WHERE id = $1", [orderId])).rows[0].status).not.toBe("paid");
    expect((await faults.query("SELECT status FROM siglume_checkout_attempts WHERE attempt_id = $1", [`att_${orderId}_changed`])).rows[0].status).toBe("pending");
  });

  it("an order whose amount changed: its open session is not answered again, nor its stuck attempt taken over; a new attempt is", async () => {
    const store = postgresOrderStore({ connectionString: url, owns: () => true });
    const handler = handlerFor(store);
    const orderId = await order(1200);
    const first = body(await handler.handle(startRequest(orderId)));
    await faults.query("UPDATE orders SET amount_minor = 9800 WHERE id = $1", [orderId]);
    const second = await handler.handle(startRequest(orderId));
    expect(second.status).toBe(200);
    expect(body(second).session_id).not.toBe(first.session_id);
    expect(local.sessions().filter((s) => s.metadata_jsonb.order_id === orderId).map((s) => s.amount_minor)).toEqual([1200, 9800]);
    const attempts = async (id: string) =>
      (await faults.query("SELECT status, amount_minor::int AS amount, currency, failure_code, nonce FROM siglume_checkout_attempts WHERE order_id = $1 ORDER BY attempt_number", [id])).rows;
    const rows = await attempts(orderId);
    expect(rows.map((r) => [r.status, r.amount, r.failure_code])).toEqual([["failed", 1200, "ORDER_CHANGED"], ["pending", 9800, null]]);
    expect(rows[0].nonce).not.toBe(rows[1].nonce);

    // A start that claimed an attempt and died, then the amount changed: while its lease holds, 202 (a lease that
    // holds however slow the machine is); after it, a new attempt (a 300 ms lease, and a wait past it).
    const heldId = await order(1200);
    await store.beginAttempt({ order: { id: heldId, amount_minor: 1200, currency: "JPY", status: "unpaid" }, merchant: "sandbox_merchant", creationLeaseMs: 60_000 });
    await faults.query("UPDATE orders SET amount_minor = 2500, currency = 'USD' WHERE id = $1", [heldId]);
    expect((await handler.handle(startRequest(heldId))).status).toBe(202);
    const stuckId = await order(1200);
    const held = await store.beginAttempt({ order: { id: stuckId, amount_minor: 1200, currency: "JPY", status: "unpaid" }, merchant: "sandbox_merchant", creationLeaseMs: 300 });
    await faults.query("UPDATE orders SET amount_minor = 2500, currency = 'USD' WHERE id = $1", [stuckId]);
    await sleep(350);
    const taken = await handler.handle(startRequest(stuckId));
    expect(taken.status).toBe(200);
    const [session] = local.sessions().filter((s) => s.metadata_jsonb.order_id === stuckId);
    expect(session).toMatchObject({ amount_minor: 2500, currency: "USD" });
    expect(held.state === "create" && session!.nonce !== held.nonce).toBe(true);
    expect((await attempts(stuckId)).map((r) => [r.status, r.amount, r.currency])).toEqual([["failed", 1200, "JPY"], ["pending", 2500, "USD"]]);
    await store.close();
  });
});
