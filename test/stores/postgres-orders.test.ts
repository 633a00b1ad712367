// The PostgreSQL order store under 4 instances (Express, Fastify, Koa, NestJS as separate processes)
// sharing one real PostgreSQL for orders, checkout attempts and webhook events, with the sandbox
// delivering round-robin to them like a load balancer: one session per order however many starts,
// every paid order paid exactly once however often its webhook arrives, and then 409 ORDER_ALREADY_PAID.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresOrderStore } from "@siglume-middleware/store-postgres";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { startInstance, type Instance } from "../support/instances.js";
import { freePort, startPostgres, testPool, type PostgresServer } from "../support/servers.js";

const ADAPTERS = ["express", "fastify", "koa", "nestjs-express"];
let postgres: PostgresServer;
let db: ReturnType<typeof testPool>;
let sandbox: SiglumeSandbox;
let instances: { instance: Instance; url: string }[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
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
  await postgres?.destroy();
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

describe("postgresOrderStore under 4 instances (express, fastify, koa, nestjs)", () => {
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
