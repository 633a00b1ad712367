// Stores under the core's handler against the shortest correct hand-written code, in one process,
// same pool or client, same concurrency, same kind of signed deliveries, medians of interleaved rounds:
//   PostgreSQL: transactional store + handler's UPDATE vs
//               BEGIN; INSERT INTO events … ON CONFLICT DO NOTHING RETURNING; UPDATE orders …; COMMIT
//   Redis:      store + handler vs SET key lock NX PX; handler; SET key done EX
// Every order must end paid exactly once. Run alone: `npm run bench -- --section stores`.
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { createSiglumeWebhookHandler, createWebhookHandler, type IdempotencyStore, type SiglumeEvent, type StandardSettled } from "@siglume-middleware/core";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { adyenEvents, adyenSignedRequest, signedRequest, siglumeEvents, type AdyenSignedRequest, type SignedRequest } from "@siglume-middleware/testing";
import { coreRequest } from "../support/core-request.js";
import { startPostgres, startRedis } from "../support/servers.js";
import { interleaved, median } from "./lib.js";
import { ADYEN } from "./senders.js";

const SECRET = "whsec_bench_stores";
const KEY = createSecretKey(Buffer.from(SECRET));
const CONCURRENCY = 16;
const POOL_SIZE = 10;
const PAY = "UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1";

export interface StoreRow {
  /** "postgres", "redis", or "postgres, Adyen decisions" (reported, not held to the target). */
  store: string;
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

async function drive<D>(deliveries: D[], deliver: (delivery: D) => Promise<unknown>): Promise<number> {
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
async function compare<E, D>(
  rounds: number,
  perRound: number,
  makeEvents: (count: number) => Promise<E[]>,
  sign: (event: E) => D,
  ours: (delivery: D) => Promise<unknown>,
  handwritten: (delivery: D) => Promise<unknown>,
) {
  const all: E[] = [];
  const side = (deliver: (delivery: D) => Promise<unknown>) => async () => {
    const events = await makeEvents(perRound);
    all.push(...events);
    return drive(events.map(sign), deliver);
  };
  const runs = await interleaved(rounds, { ours: side(ours), handwritten: side(handwritten) });
  return { ours: median(runs.ours), handwritten: median(runs.handwritten), events: all };
}

const signSiglume = (event: SiglumeEvent) => signedRequest(event, { secret: SECRET });

/** Rows of `orders` for new keys (a Siglume challenge hash, an Adyen authentication id). */
const addOrders = (db: pg.Pool, keys: string[]) => db.query("INSERT INTO orders (challenge_hash) SELECT unnest($1::text[])", [keys]);

async function allPaidOnce(db: pg.Pool, keys: string[]): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE challenge_hash = ANY($1) AND paid_count = 1", [keys]);
  return Number(rows[0]!.n) === keys.length;
}

/** The hand-written transaction both PostgreSQL rows compare against. */
function handTransaction(pool: pg.Pool) {
  return async (eventId: string, orderKey: string) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const fresh = await client.query("INSERT INTO hand_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id", [eventId]);
      if (fresh.rowCount === 1) await client.query(PAY, [orderKey]);
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  };
}

/**
 * Adyen relayed authentications through the transactional store, the decision's UPDATE in the transaction, against
 * the same hand-written transaction plus Basic auth, the HMAC and the decision: what a decision plan costs there.
 */
async function adyenDecisions(pool: pg.Pool, store: IdempotencyStore, rounds: number, perRound: number): Promise<StoreRow> {
  const handler = createWebhookHandler(
    adyenAuthenticationWebhooks({
      logger: { info() {}, warn() {}, error() {} },
      hmacKey: ADYEN.hmacKey,
      basicAuth: ADYEN.basicAuth,
      idempotencyStore: store,
      async onRelayedAuthentication(request, ctx) {
        await transactionOf(ctx).query(PAY, [request.id]);
        return "proceed" as const;
      },
      onAuthenticationResult() {},
    }),
  );
  const route = handler.match(ADYEN.path);
  const hmacKey = createSecretKey(Buffer.from(ADYEN.hmacKey, "hex"));
  const basic = `Basic ${Buffer.from(`${ADYEN.basicAuth.username}:${ADYEN.basicAuth.password}`).toString("base64")}`;
  const transaction = handTransaction(pool);
  const handwritten = async (delivery: AdyenSignedRequest) => {
    const given = Buffer.from(delivery.headers.hmacsignature, "base64");
    const expected = createHmac("sha256", hmacKey).update(delivery.body).digest();
    if (delivery.headers.authorization !== basic || given.length !== 32 || !timingSafeEqual(expected, given)) throw new Error("bad signature");
    const request = JSON.parse(delivery.body.toString("utf8")) as { id: string };
    await transaction(request.id, request.id);
    return { authenticationDecision: { status: "proceed" } };
  };
  const ours = async (delivery: AdyenSignedRequest) => {
    const headers: Record<string, string> = delivery.headers;
    const response = await handler.handle({ method: "POST", header: (name) => headers[name], readBody: () => delivery.body, request: null, route, path: ADYEN.path });
    if (response.status !== 200 || !String(response.body).includes('"proceed"')) throw new Error(`ours answered ${response.status}: ${response.body}`);
  };
  const newRequests = async (count: number) => {
    const requests = Array.from({ length: count }, () => adyenEvents.relayed());
    await addOrders(pool, requests.map((request) => request.id));
    return requests;
  };
  const sign = (request: object) => adyenSignedRequest(request, { hmacKey: ADYEN.hmacKey, basicAuth: ADYEN.basicAuth });
  await compare(1, 200, newRequests, sign, ours, handwritten);
  const result = await compare(rounds, perRound, newRequests, sign, ours, handwritten);
  return {
    store: "postgres, Adyen decisions",
    oursPerSec: result.ours,
    handwrittenPerSec: result.handwritten,
    ratio: result.ours / result.handwritten,
    events: result.events.length,
    everyOrderPaidOnce: await allPaidOnce(pool, result.events.map((request) => request.id)),
  };
}

/** Siglume events, then Adyen decisions (reported beside it, not held to the target), on one PostgreSQL server. */
export async function benchPostgres({ rounds = 5, perRound = 3000 } = {}): Promise<StoreRow[]> {
  const server = await startPostgres({ durable: true });
  const pool = new pg.Pool({ connectionString: server.url, max: POOL_SIZE });
  pool.on("error", () => {});
  try {
    await pool.query("CREATE TABLE orders (challenge_hash text PRIMARY KEY, paid_count integer NOT NULL DEFAULT 0)");
    await pool.query("CREATE TABLE hand_events (event_id text PRIMARY KEY)");
    const newOrders = async (count: number) => {
      const events = Array.from({ length: count }, () => siglumeEvents.standardSettled());
      await addOrders(pool, events.map((event) => event.data.challenge_hash as string));
      return events;
    };
    const store = postgresIdempotencyStore({ pool });
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onReview: () => {},
      async onDirectPaymentConfirmed(payment: StandardSettled, ctx) {
        await transactionOf(ctx).query(PAY, [payment.challenge_hash]);
      },
    });
    const transaction = handTransaction(pool);
    const handwritten = async (delivery: SignedRequest) => {
      const event = handVerified(delivery);
      await transaction(event.id, event.data.challenge_hash);
    };
    const ours = async (delivery: SignedRequest) => {
      const response = await handler.handle(coreRequest(delivery));
      if (response.status !== 204) throw new Error(`ours answered ${response.status}: ${response.body}`);
    };
    await compare(1, 200, newOrders, signSiglume, ours, handwritten); // warm both paths
    const result = await compare(rounds, perRound, newOrders, signSiglume, ours, handwritten);
    const siglume: StoreRow = {
      store: "postgres",
      oursPerSec: result.ours,
      handwrittenPerSec: result.handwritten,
      ratio: result.ours / result.handwritten,
      events: result.events.length,
      everyOrderPaidOnce: await allPaidOnce(pool, result.events.map((event) => event.data.challenge_hash as string)),
    };
    return [siglume, await adyenDecisions(pool, store, rounds, perRound)];
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
    await compare(1, 500, newEvents, signSiglume, ours, handwritten);
    const result = await compare(rounds, perRound, newEvents, signSiglume, ours, handwritten);
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
