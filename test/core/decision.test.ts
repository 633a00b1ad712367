// The decision runner (what Adyen's relayed authentications run on), against stores that are slow,
// transactional or shared: the answer is due by the deadline, the handler never runs after it went out,
// and what was sent is what a repeat gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyDigest,
  createWebhookHandler,
  memoryIdempotencyStore,
  resolveEngineOptions,
  type IdempotencyStore,
  type Plan,
  type WebhookProvider,
} from "@siglume-middleware/core";
import pg from "pg";
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { startPostgres, type PostgresServer } from "../support/servers.js";
import { StoreWatch } from "../support/store-watch.js";
import { latch, sleep, until } from "../support/timing.js";

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(() => postgres?.destroy());

/** A decision provider like Adyen's relayed authentication: body {"id", …}, answered 200 {"decision"}. */
function decisions(
  store: IdempotencyStore,
  decide: (transaction: unknown) => string | Promise<string>,
  deadlineMs: number,
  engineOverrides: Partial<Parameters<typeof resolveEngineOptions<null>>[0]> = {},
  planOverrides: { reused?: () => Plan } = {},
) {
  const errors: string[] = [];
  const engine = resolveEngineOptions<null>(
    { idempotencyStore: store, onError: (error) => void errors.push((error as Error).message), ...engineOverrides },
    "decisions-test",
  );
  const provider: WebhookProvider<null> = {
    name: "decisions-test",
    displayName: "Test",
    routes: [{ path: "/decide", name: "decide" }],
    engine,
    receive({ body, receivedAt }): Plan {
      const { id } = JSON.parse(String(body)) as { id: string };
      return {
        kind: "decision",
        key: `decide:${id}`,
        type: "decision",
        digest: bodyDigest(body) as string, // synchronous on Node
        deadlineAt: receivedAt + deadlineMs,
        run: decide,
        body: (value: unknown) => (typeof value === "string" ? JSON.stringify({ decision: value }) : undefined),
        fallback: JSON.stringify({ decision: "refused" }),
        status: 200,
        headers: { "content-type": "application/json" },
        outcome: (sent, reason) => `${reason}:${sent}`,
        reused: () => ({ kind: "answer", response: { status: 422, headers: {}, body: "reused" } }),
        info: {},
        ...planOverrides,
      };
    },
  };
  const handler = createWebhookHandler(provider);
  /** `waitUntil`: what a Worker's ExecutionContext would be handed (work that outlives the answer). */
  const send = (body: string, bodyDelayMs = 0, waitUntil?: (promise: Promise<unknown>) => void) =>
    handler.handle({
      method: "POST",
      header: (name) => (name === "content-type" ? "application/json" : undefined),
      readBody: () => (bodyDelayMs === 0 ? Buffer.from(body) : sleep(bodyDelayMs).then(() => Buffer.from(body))),
      request: null,
      waitUntil,
    });
  return { send, errors };
}

describe("decision runner", () => {
  it("asks the runtime's waitUntil only when work goes on after the answer: never for a decision in time, once past the deadline", async () => {
    const store = memoryIdempotencyStore();
    const kept: Promise<unknown>[] = [];
    const keep = (promise: Promise<unknown>) => void kept.push(promise);

    // A deadline no stall of the test process reaches: the handler decides at once.
    const inTime = decisions(store, async () => "approved", 600_000);
    expect((await inTime.send('{"id":"in-time"}', 0, keep)).body).toBe('{"decision":"approved"}');
    expect(kept).toHaveLength(0);

    const overrun = latch();
    const late = decisions(store, async () => (await overrun.released, "approved"), 100);
    expect((await late.send('{"id":"late"}', 0, keep)).body).toBe('{"decision":"refused"}'); // the fallback, at the deadline
    expect(kept).toHaveLength(1);
    let settled = false;
    void kept[0]!.then(() => (settled = true));
    await sleep(0);
    expect(settled).toBe(false); // the handler still runs: the runtime must keep it alive
    overrun.release();
    await kept[0];
    const claimed = await store.claim("decide:late", { type: "decision", digest: "" });
    expect(claimed).toMatchObject({ status: "completed", result: '{"decision":"refused"}' });
  });

  it("never runs the handler when its claim came back after the deadline, and records the fallback that was sent", async () => {
    const watch = new StoreWatch();
    const memory = watch.wrap(memoryIdempotencyStore());
    const claimReturns = latch();
    const slowStore: IdempotencyStore = { claim: async (key, info) => (await claimReturns.released, memory.claim(key, info)) };
    let runs = 0;
    const { send } = decisions(slowStore, async () => (runs++, "approved"), 100);
    const first = await send('{"id":"slow"}');
    expect(first.body).toBe('{"decision":"refused"}');
    // Only now, past the deadline, does the claim come back; the runner records the fallback on it.
    claimReturns.release();
    await until(() => watch.claims === 1, 10_000, "the late claim");
    await watch.settled();
    expect(runs).toBe(0);
    expect((await send('{"id":"slow"}')).body).toBe('{"decision":"refused"}');
    expect(runs).toBe(0);
  });

  it("never runs the handler when the body itself arrived after the deadline", async () => {
    let runs = 0;
    const watch = new StoreWatch();
    const { send } = decisions(watch.wrap(memoryIdempotencyStore()), async () => (runs++, "approved"), 100);
    expect((await send('{"id":"late-body"}', 250)).body).toBe('{"decision":"refused"}');
    // Its claim is recorded (the runner claims, then runs the handler or records the fallback): nothing ran.
    await until(() => watch.claims === 1, 10_000, "the claim");
    await watch.settled();
    expect(runs).toBe(0);
  });

  it("still answers the fallback when onError and the logger both throw at the deadline", async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => void uncaught.push(error);
    process.on("uncaughtException", record);
    process.on("unhandledRejection", record);
    try {
      const { send } = decisions(memoryIdempotencyStore(), () => new Promise<string>(() => {}), 150, {
        onError: () => {
          throw new Error("alerting down");
        },
        logger: {
          info() {},
          warn() {},
          error() {
            throw new Error("log transport closed");
          },
        },
      });
      // The handler never decides: without the fallback this await would hang the test.
      const answer = await send('{"id":"never-decides"}');
      expect(answer.body).toBe('{"decision":"refused"}');
      // onError and the logger threw at the deadline, before the answer went out: an exception escaping them
      // would have been raised then, and a rejection once that turn's promises had run, before the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    }
  });

  it("with the transactional store, a deadline overrun answers and records the fallback: the repeat gets it too, nothing the late handler wrote commits", async () => {
    const store = postgresIdempotencyStore({ connectionString: postgres.url });
    let runs = 0;
    const late: string[] = [];
    const overrun = latch();
    const { send } = decisions(
      store,
      async (transaction) => {
        runs += 1;
        const db = transaction as { query(text: string): Promise<unknown> };
        await db.query("SELECT 1");
        await overrun.released; // past the deadline: the test releases it once the fallback was answered
        await db.query("SELECT 1").then(() => late.push("ran"), (error: Error) => late.push(error.message));
        return "approved";
      },
      1500,
    );
    try {
      // The table exists before the delivery, so its claim is one round trip well inside the deadline.
      const warm = await store.claim("decide:warm-up", { type: "decision", digest: "d" });
      if (warm.status === "claimed") await warm.claim.complete({ outcome: "warm-up" });
      const kept: Promise<unknown>[] = [];
      const first = await send('{"id":"tx"}', 0, (promise) => void kept.push(promise));
      expect(first.body).toBe('{"decision":"refused"}');
      expect(kept.length).toBeGreaterThan(0); // the fallback's commit and the late handler outlive the answer
      overrun.release();
      await Promise.all(kept); // what a Worker waits for before it may end: by then the fallback is committed
      const recorded = await store.claim("decide:tx", { type: "decision", digest: "" });
      expect(recorded).toMatchObject({ status: "completed", result: '{"decision":"refused"}' });
      await until(() => late.length > 0, 10_000, "the late handler's query");
      expect(late).toEqual([expect.stringMatching(/transaction is over/)]);
      expect((await send('{"id":"tx"}')).body).toBe('{"decision":"refused"}');
      expect(runs).toBe(1);
    } finally {
      overrun.release();
      await store.close();
    }
  });

  it("with the transactional store, a decision whose commit fails is answered and recorded as the fallback: a repeat gets it, the handler ran once", async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CREATE TABLE IF NOT EXISTS limits (id text PRIMARY KEY)");
    // Checked at COMMIT only: the handler's insert succeeds, the commit fails.
    await admin.query("CREATE TABLE IF NOT EXISTS approvals (id text PRIMARY KEY, lim text REFERENCES limits(id) DEFERRABLE INITIALLY DEFERRED)");
    const store = postgresIdempotencyStore({ connectionString: postgres.url });
    let runs = 0;
    const { send, errors } = decisions(
      store,
      async (transaction) => {
        runs += 1;
        await (transaction as pg.PoolClient).query("INSERT INTO approvals (id, lim) VALUES ('a1', 'no-such-limit')");
        return "approved";
      },
      10_000, // the failed commit answers; the deadline never comes into it
    );
    try {
      expect((await send('{"id":"commit-fails"}')).body).toBe('{"decision":"refused"}');
      expect(errors.some((message) => /foreign key/.test(message))).toBe(true);
      expect((await admin.query("SELECT count(*)::int AS n FROM approvals")).rows[0].n).toBe(0);
      expect((await send('{"id":"commit-fails"}')).body).toBe('{"decision":"refused"}');
      expect(runs).toBe(1);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it("decides at once when the claim, the handler and the record answer at once: once per id, a repeat gets what was recorded", async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const { send, errors } = decisions(store, () => (runs++, "approved"), 600_000);
    // All three sent together: the first decides before the others are read; they get its recorded decision.
    const answers = await Promise.all([send('{"id":"sync"}'), send('{"id":"sync"}'), send('{"id":"sync"}')]);
    expect(answers.map((a) => [a.status, a.body])).toEqual(Array(3).fill([200, '{"decision":"approved"}']));
    expect(runs).toBe(1);
    expect(await store.claim("decide:sync", { type: "decision", digest: "" })).toMatchObject({ status: "completed", result: '{"decision":"approved"}' });
    expect(errors).toEqual([]);
  });

  it("answers and records the fallback when a synchronous handler throws or returns no decision; the repeat gets it and the handler does not run again", async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const { send, errors } = decisions(store, (transaction) => {
      runs++;
      if (runs === 1) throw new Error("declined by a bug");
      return (transaction ?? 42) as string; // not a string: no valid decision
    }, 600_000);
    expect((await send('{"id":"throws"}')).body).toBe('{"decision":"refused"}');
    expect((await send('{"id":"throws"}')).body).toBe('{"decision":"refused"}');
    expect((await send('{"id":"invalid"}')).body).toBe('{"decision":"refused"}');
    expect(runs).toBe(2);
    expect(errors).toEqual(["declined by a bug", "The handler for decide:invalid returned no valid decision: answered the fallback."]);
    expect(await store.claim("decide:throws", { type: "decision", digest: "" })).toMatchObject({ status: "completed", result: '{"decision":"refused"}' });
  });

  it("makes copies that arrive while a handler is pending wait for its decision: the handler runs once", async () => {
    const store = memoryIdempotencyStore();
    const gate = latch();
    let runs = 0;
    const { send } = decisions(store, async () => (runs++, await gate.released, "approved"), 600_000);
    const first = send('{"id":"pending"}');
    await until(() => runs === 1, 10_000, "the handler");
    const copies = [send('{"id":"pending"}'), send('{"id":"pending"}')];
    await new Promise((resolve) => setImmediate(resolve)); // the copies have run every step that waits on nothing
    gate.release();
    const answers = await Promise.all([first, ...copies]);
    expect(answers.map((a) => a.body)).toEqual(Array(3).fill('{"decision":"approved"}'));
    expect(runs).toBe(1);
  });

  it("takes a handler result whose `then` cannot be read for the handler's failure: the fallback is answered and recorded, the handler never runs again", async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const broken = () => {
      runs++;
      return Object.defineProperty({}, "then", {
        get() {
          throw new Error("then getter threw");
        },
      }) as string;
    };
    const { send, errors } = decisions(store, broken, 600_000);
    expect((await send('{"id":"thenable"}')).body).toBe('{"decision":"refused"}');
    expect((await send('{"id":"thenable"}')).body).toBe('{"decision":"refused"}');
    expect(runs).toBe(1);
    expect(errors).toEqual(["then getter threw"]);
    expect(await store.claim("decide:thenable", { type: "decision", digest: "" })).toMatchObject({ status: "completed" });
  });

  it("answers 500, never hangs, when the reused plan itself throws after the store was waited on", async () => {
    const memory = memoryIdempotencyStore();
    await decisions(memory, () => "approved", 600_000).send('{"id":"reused-throws","amount":1}');
    const slowStore: IdempotencyStore = { claim: async (key, info) => memory.claim(key, info) };
    const { send } = decisions(slowStore, () => "approved", 600_000, {}, {
      reused: () => {
        throw new Error("reused plan failed");
      },
    });
    const answer = await send('{"id":"reused-throws","amount":2}');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body!)).toMatchObject({ error: { code: "INTERNAL_ERROR" } });
  });

  it("answers every in-process copy of a reused id with the reused plan, never an empty 200", async () => {
    const memory = memoryIdempotencyStore();
    const { send: decideOnce } = decisions(memory, async () => "approved", 10_000);
    await decideOnce('{"id":"reused","amount":1}');
    // The first copy's claim waits until the second copy, a step behind it, is waiting on the first.
    const claimReturns = latch();
    const slowStore: IdempotencyStore = { claim: async (key, info) => (await claimReturns.released, memory.claim(key, info)) };
    const { send } = decisions(slowStore, async () => "approved", 10_000);
    const copies = Promise.all([send('{"id":"reused","amount":2}'), send('{"id":"reused","amount":2}')]);
    await new Promise((resolve) => setImmediate(resolve)); // both copies have run every step that waits on nothing
    claimReturns.release();
    const answers = await copies;
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [422, "reused"],
      [422, "reused"],
    ]);
  });
});
