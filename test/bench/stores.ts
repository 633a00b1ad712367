// Stores under the core's handler against the shortest correct hand-written code, in one process,
// same pool or client, same concurrency, same kind of signed deliveries, medians of interleaved rounds:
//   PostgreSQL: transactional store + handler's UPDATE vs
//               BEGIN; INSERT INTO events … ON CONFLICT DO NOTHING RETURNING; UPDATE orders …; COMMIT
//   Redis:      store + handler vs SET key lock NX PX; handler; SET key done EX
// Every order must end paid exactly once. Run alone: `npm run bench -- --section stores`.
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { createSiglumeWebhookHandler, type SiglumeEvent, type StandardSettled } from "@siglume-middleware/core";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { signedRequest, siglumeEvents, type SignedRequest } from "@siglume-middleware/testing";
import { coreRequest } from "../support/core-request.js";
import { startPostgres, startRedis } from "../support/servers.js";
import { interleaved, median } from "./lib.js";

const SECRET = "whsec_bench_stores";
const KEY = createSecretKey(Buffer.from(SECRET));
const CONCURRENCY = 16;
const POOL_SIZE = 10;
const PAY = "UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1";

export interface StoreRow {
  store: "postgres" | "redis";
  oursPerSec: number;
  handwrittenPerSec: number;
  ratio: number;
  events: number;
  everyOrderPaidOnce: boolean;
}

/** The hand-written check both hand-written routes make: HMAC over "<t>." + body, constant-time, then parse. */
function handVerified(delivery: SignedRequest): { id: string; data: { challenge_hash: string } } {
  const header = delivery.headers["siglume-signature"];
  const t = header.slice(2, header.indexOf(","));
  const v1 = Buffer.from(header.slice(header.indexOf("v1=") + 3), "hex");
  const expected = createHmac("sha256", KEY).update(`${t}.`).update(delivery.body).digest();
  if (v1.length !== 32 || !timingSafeEqual(expected, v1)) throw new Error("bad signature");
  return JSON.parse(delivery.body.toString("utf8"));
}

async function drive(deliveries: SignedRequest[], deliver: (delivery: SignedRequest) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) await deliver(deliveries[next++]!);
    }),
  );
  return deliveries.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Interleaved rounds (A B, B A, …) of fresh events; each side's events/s is the median of its rounds. */
async function compare(
  rounds: number,
  perRound: number,
  makeEvents: (count: number) => Promise<SiglumeEvent[]>,
  ours: (delivery: SignedRequest) => Promise<unknown>,
  handwritten: (delivery: SignedRequest) => Promise<unknown>,
) {
  const all: SiglumeEvent[] = [];
  const side = (deliver: (delivery: SignedRequest) => Promise<unknown>) => async () => {
    const events = await makeEvents(perRound);
    all.push(...events);
    return drive(
      events.map((event) => signedRequest(event, { secret: SECRET })),
      deliver,
    );
  };
  const runs = await interleaved(rounds, { ours: side(ours), handwritten: side(handwritten) });
  return { ours: median(runs.ours), handwritten: median(runs.handwritten), events: all };
}

async function ordersTable(db: pg.Pool) {
  await db.query("CREATE TABLE orders (challenge_hash text PRIMARY KEY, paid_count integer NOT NULL DEFAULT 0)");
  return async (count: number) => {
    const events = Array.from({ length: count }, () => siglumeEvents.standardSettled());
    await db.query("INSERT INTO orders (challenge_hash) SELECT unnest($1::text[])", [events.map((e) => e.data.challenge_hash)]);
    return events;
  };
}

async function allPaidOnce(db: pg.Pool, events: SiglumeEvent[]): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM orders WHERE challenge_hash = ANY($1) AND paid_count = 1",
    [events.map((e) => e.data.challenge_hash)],
  );
  return Number(rows[0]!.n) === events.length;
}

export async function benchPostgres({ rounds = 5, perRound = 3000 } = {}): Promise<StoreRow> {
  const server = await startPostgres({ durable: true });
  const pool = new pg.Pool({ connectionString: server.url, max: POOL_SIZE });
  pool.on("error", () => {});
  try {
    const newOrders = await ordersTable(pool);
    await pool.query("CREATE TABLE hand_events (event_id text PRIMARY KEY)");
    const store = postgresIdempotencyStore({ pool });
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onReview: () => {},
      async onDirectPaymentConfirmed(payment: StandardSettled, ctx) {
        await transactionOf(ctx).query(PAY, [payment.challenge_hash]);
      },
    });
    const handwritten = async (delivery: SignedRequest) => {
      const event = handVerified(delivery);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const fresh = await client.query("INSERT INTO hand_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id", [event.id]);
        if (fresh.rowCount === 1) await client.query(PAY, [event.data.challenge_hash]);
        await client.query("COMMIT");
        client.release();
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    };
    const ours = async (delivery: SignedRequest) => {
      const response = await handler.handle(coreRequest(delivery));
      if (response.status !== 204) throw new Error(`ours answered ${response.status}: ${response.body}`);
    };
    await compare(1, 200, newOrders, ours, handwritten); // warm both paths
    const result = await compare(rounds, perRound, newOrders, ours, handwritten);
    return {
      store: "postgres",
      oursPerSec: result.ours,
      handwrittenPerSec: result.handwritten,
      ratio: result.ours / result.handwritten,
      events: result.events.length,
      everyOrderPaidOnce: await allPaidOnce(pool, result.events),
    };
  } finally {
    await pool.end();
    await server.destroy();
  }
}

export async function benchRedis({ rounds = 5, perRound = 5000 } = {}): Promise<StoreRow> {
  const server = await startRedis();
  const client = new Redis(server.url);
  const paid = new Map<string, number>();
  const pay = (hash: string) => paid.set(hash, (paid.get(hash) ?? 0) + 1);
  try {
    const store = redisIdempotencyStore({ client });
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onReview: () => {},
      onDirectPaymentConfirmed: (payment: StandardSettled) => void pay(payment.challenge_hash),
    });
    const handwritten = async (delivery: SignedRequest) => {
      const event = handVerified(delivery);
      const key = `hand:${event.id}`;
      if ((await client.set(key, "lock", "PX", 30_000, "NX")) !== "OK") return;
      pay(event.data.challenge_hash);
      await client.set(key, "done", "EX", 7 * 24 * 3600);
    };
    const ours = async (delivery: SignedRequest) => {
      const response = await handler.handle(coreRequest(delivery));
      if (response.status !== 204) throw new Error(`ours answered ${response.status}: ${response.body}`);
    };
    const newEvents = async (count: number) => Array.from({ length: count }, () => siglumeEvents.standardSettled());
    await compare(1, 500, newEvents, ours, handwritten);
    const result = await compare(rounds, perRound, newEvents, ours, handwritten);
    return {
      store: "redis",
      oursPerSec: result.ours,
      handwrittenPerSec: result.handwritten,
      ratio: result.ours / result.handwritten,
      events: result.events.length,
      everyOrderPaidOnce: result.events.every((e) => paid.get(e.data.challenge_hash as string) === 1),
    };
  } finally {
    client.disconnect();
    await server.stop();
  }
}
