// Relayed Adyen decisions across two instances sharing a store: copies on either instance get the
// decision the handler made once, and a repeat later gets the decision that was sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { IdempotencyStore } from "@siglume-middleware/core";
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { ADYEN_DECISION_LIMIT_MS } from "@siglume-middleware/adyen";
import { adyenEvents, adyenSignedRequest } from "@siglume-middleware/testing";
import type { RunningApp } from "../support/apps.js";
import { providerAdapters } from "../support/provider-apps.js";
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from "../support/servers.js";
import { StoreWatch } from "../support/store-watch.js";
import { arrivals, latch, sleep } from "../support/timing.js";

const KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
const AUTH = { username: "adyen-ws", password: "pw" };
const PATH = "/webhooks/adyen/authentication";

let postgres: PostgresServer;
let redis: RedisServer;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

type ClosableStore = IdempotencyStore & { close(): Promise<void> };

/**
 * An Express and a Koa app, each with its own store object on the same keys/table (watched by `watch`).
 * Unless a case is about the deadline, they decide under the longest one Adyen allows.
 */
async function twoInstances(
  makeStore: () => IdempotencyStore,
  decide: (run: number) => Promise<"proceed" | "refused">,
  decisionTimeoutMs = ADYEN_DECISION_LIMIT_MS - 1,
) {
  const watch = new StoreWatch();
  const stores = [watch.wrap(makeStore()), watch.wrap(makeStore())] as ClosableStore[];
  const runs: string[] = [];
  const apps: RunningApp[] = [];
  const [express, koa] = [providerAdapters.find((a) => a.name === "express")!, providerAdapters.find((a) => a.name === "koa")!];
  for (const [index, adapter] of [express, koa].entries()) {
    apps.push(
      await adapter.startAdyen({
        hmacKey: KEY,
        basicAuth: AUTH,
        decisionTimeoutMs,
        idempotencyStore: stores[index],
        logger: { info() {}, warn() {}, error() {} },
        onError: () => {},
        async onRelayedAuthentication(payload) {
          runs.push(`${index}:${payload.id}`);
          return decide(runs.length);
        },
        onAuthenticationResult() {},
      }),
    );
  }
  return { stores, apps, runs, watch };
}

/** The decision runner takes a handler's late answer in at once (promises only); then its store writes settle. */
async function lateDecisionTakenIn(watch: StoreWatch): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await watch.settled();
}

describe.each([
  ["Redis", () => redisIdempotencyStore({ url: redis.url, keyPrefix: "relayed:" })],
  ["PostgreSQL (transactional)", () => postgresIdempotencyStore({ connectionString: postgres.url, table: "relayed_events" })],
])("two instances sharing %s", (_name, makeStore) => {
  it("decide a relayed authentication once for copies sent to both, and replay the sent decision later", async () => {
    // Two store objects (one per instance) on the same Redis keys / PostgreSQL table. The handler decides once
    // all 10 copies have reached the two servers, so every copy arrives while it runs.
    const arrived = arrivals(PATH);
    const { stores, apps, runs } = await twoInstances(makeStore, async () => {
      await arrived.reached(10);
      // Not the fallback: a copy answered the fallback instead of the decision would show.
      return "proceed" as const;
    });
    try {
      const payload = adyenEvents.relayed();
      const delivery = adyenSignedRequest(payload, { hmacKey: KEY, basicAuth: AUTH });
      const send = (app: RunningApp) => request(app.url).post(PATH).set(delivery.headers).send(delivery.text);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(apps[i % 2]!)));
      expect(answers.map((r) => r.body.authenticationDecision?.status)).toEqual(answers.map(() => "proceed"));
      expect(runs).toHaveLength(1);
      for (const app of apps) expect((await send(app)).body).toEqual({ authenticationDecision: { status: "proceed" } });
      expect(runs).toHaveLength(1);
    } finally {
      arrived.stop();
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 30_000);

  it("when the first instance's handler overruns, answer the fallback there and on a later copy elsewhere, never running it twice", async () => {
    const running = latch();
    const overrun = latch();
    const { stores, apps, runs, watch } = await twoInstances(
      makeStore,
      async (run) => {
        if (run === 1) {
          running.release();
          await overrun.released; // past the deadline: the test releases it once both copies were answered
        }
        return "proceed";
      },
      1500, // time for the first instance to claim and start the handler on a loaded machine
    );
    try {
      const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: KEY, basicAuth: AUTH });
      // A promise: supertest sends a request only once something awaits it.
      const send = (app: RunningApp) => request(app.url).post(PATH).set(delivery.headers).send(delivery.text).then((res) => res);
      const first = send(apps[0]!);
      await running.released; // the first instance holds the claim and runs the handler
      const copy = send(apps[1]!); // its own deadline is later than the first's
      const answers = (await Promise.all([first, copy])).map((r) => r.body.authenticationDecision?.status);
      expect(answers).toEqual(["refused", "refused"]);
      overrun.release(); // the overrunning handler settles; its late "proceed" changes nothing
      await lateDecisionTakenIn(watch);
      for (const app of apps) expect((await send(app)).body).toEqual({ authenticationDecision: { status: "refused" } });
      expect(runs).toHaveLength(1);
    } finally {
      overrun.release();
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 30_000);
});

describe("two instances sharing Redis with a lock shorter than three renewal periods of the time left", () => {
  it("a handler overtaken by the deadline keeps its claim (renewed at once), so a copy after the lock's first length never runs it again", async () => {
    // lockTtlMs 3000 renews every 1000 ms; with a 1200 ms deadline the claim is not renewed before it (3 × 1000 > 1200),
    // so only the renewal at the deadline keeps it past its first 3000 ms. The lock outlasts the deadline by 1.8 s and
    // each renewal by 2 s, and the handler has 1.2 s to start: a stall shorter than that changes nothing.
    const LOCK_MS = 3000;
    const running = latch();
    const overrun = latch();
    const { stores, apps, runs, watch } = await twoInstances(
      () => redisIdempotencyStore({ url: redis.url, keyPrefix: "short-lock:", lockTtlMs: LOCK_MS }),
      async (run) => {
        if (run === 1) {
          running.release();
          await overrun.released;
        }
        return "proceed";
      },
      1200,
    );
    try {
      const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: KEY, basicAuth: AUTH });
      // A promise: supertest sends a request only once something awaits it.
      const send = (app: RunningApp) => request(app.url).post(PATH).set(delivery.headers).send(delivery.text).then((res) => res);
      const first = send(apps[0]!);
      await running.released; // the first instance has claimed the event
      await sleep(LOCK_MS + 100); // past the deadline, and past the lock's first length counted from that claim
      const copy = await send(apps[1]!);
      expect((await first).body).toEqual({ authenticationDecision: { status: "refused" } });
      expect(copy.body).toEqual({ authenticationDecision: { status: "refused" } });
      overrun.release(); // the overrunning handler settles
      await lateDecisionTakenIn(watch);
      expect(runs).toHaveLength(1);
    } finally {
      overrun.release();
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 30_000);
});
