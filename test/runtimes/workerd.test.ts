// The runtime smoke suite on Cloudflare workerd: the smoke app (app.ts) bundled as wrangler bundles a Worker and
// served by workerd, without and with nodejs_compat, every case of cases.ts over real HTTP.
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { attemptsTableSql, createTableSql } from "@siglume-middleware/store-postgres";
import { freePort, startPostgres, testPool, type PostgresServer } from "../support/servers.js";
import { until } from "../support/timing.js";
import { callsOf, smokeCases } from "./cases.js";
import { SIGLUME_SECRET } from "./config.js";
import type { RunningTarget } from "./spawn.js";
import { bundleCode, bundleWorker, nodeSpecifiersIn, startWorkerd, type WorkerBundle } from "./workerd.js";

const entry = fileURLToPath(new URL("entries/workerd.ts", import.meta.url));
const postgresEntry = fileURLToPath(new URL("entries/workerd-postgres.ts", import.meta.url));
const checkoutEntry = fileURLToPath(new URL("entries/workerd-postgres-checkout.ts", import.meta.url));
const MEMORY_WARNING = "[SIGLUME_MEMORY_STORE]";
const EVALUATED = "SMOKE MODULE EVALUATED";

/** Bundles and starts a smoke Worker, logging how long each step took. */
async function serve(name: string, options: { nodejsCompat: boolean; nodeEnv?: string; bindings?: Record<string, string>; port?: number }, from = entry) {
  const bundle = await bundleWorker(from, options);
  const started = performance.now();
  const target = await startWorkerd(name, bundle, options).catch((error: unknown) => {
    bundle.remove();
    throw error;
  });
  console.log(`${name}: bundled in ${bundle.buildMs} ms, listening after ${Math.round(performance.now() - started)} ms`);
  return { bundle, target };
}

const settings = [
  // Built as `wrangler deploy` builds (NODE_ENV defined "production"); no `process` in the isolate.
  { label: "without nodejs_compat", nodejsCompat: false, nodeEnv: "production", process: "undefined" },
  // Built with no NODE_ENV define; production comes from a NODE_ENV var, which nodejs_compat puts in process.env.
  { label: "with nodejs_compat", nodejsCompat: true, bindings: { NODE_ENV: "production" }, process: "object" },
] as const;

describe.each(settings)("runtime smoke: workerd $label", (setting) => {
  let bundle: WorkerBundle;
  let target: RunningTarget;
  beforeAll(async () => {
    ({ bundle, target } = await serve(`workerd ${setting.label}`, setting));
  });
  afterAll(async () => {
    await target?.stop();
    bundle?.remove();
  });

  it(`runs the WebCrypto seam, with nodejs_compat really ${setting.nodejsCompat ? "on" : "off"}`, async () => {
    expect((await callsOf(target)).platform).toBe("web");
    expect(await (await fetch(`${target.url}/_runtime`)).json()).toEqual({ process: setting.process });
  });

  it("refuses a checkout start route without publicOrigin, naming it and SHOP_PUBLIC_ORIGIN", async () => {
    const answer = (await (await fetch(`${target.url}/_checkout-without-origin`)).json()) as { name: string; message: string };
    expect(answer.name).toBe("SiglumeConfigurationError");
    expect(answer.message).toMatch(/publicOrigin is required.*SHOP_PUBLIC_ORIGIN/);
  });

  it("warns once at start-up that the in-memory store is per isolate (production)", async () => {
    await until(() => target.output().includes(EVALUATED), 10_000, "the Worker's module scope to run");
    expect(target.output().split(MEMORY_WARNING)).toHaveLength(2);
    expect(target.output()).toContain("within this one isolate");
  });

  smokeCases(() => target);
});

describe("workerd built as `wrangler dev` builds (NODE_ENV development)", () => {
  let bundle: WorkerBundle;
  let target: RunningTarget;
  beforeAll(async () => {
    ({ bundle, target } = await serve("workerd development", { nodejsCompat: false, nodeEnv: "development" }));
  });
  afterAll(async () => {
    await target?.stop();
    bundle?.remove();
  });

  it("gives no in-memory store warning", async () => {
    await until(() => target.output().includes(EVALUATED), 10_000, "the Worker's module scope to run");
    expect(target.output()).not.toContain(MEMORY_WARNING);
  });
});

describe("runtime smoke: workerd with nodejs_compat, records in PostgreSQL through pg (a store per request)", () => {
  let postgres: PostgresServer;
  let pool: pg.Pool;
  let bundle: WorkerBundle;
  let target: RunningTarget;
  beforeAll(async () => {
    postgres = await startPostgres();
    pool = testPool(postgres.url);
    await pool.query(createTableSql()); // the migration; the Worker's store does not check the table per request
    ({ bundle, target } = await serve("workerd postgres", { nodejsCompat: true, nodeEnv: "production", bindings: { DATABASE_URL: postgres.url } }, postgresEntry));
  });
  afterAll(async () => {
    await target?.stop();
    bundle?.remove();
    await pool?.end();
    await postgres?.destroy();
  });

  const deliver = (event: ReturnType<typeof siglumeEvents.standardSettled>, timestamp = Math.floor(Date.now() / 1000)) => {
    const delivery = signedRequest(event, { secret: SIGLUME_SECRET, timestamp });
    return fetch(`${target.url}/webhooks/siglume`, { method: "POST", headers: delivery.headers, body: delivery.text });
  };

  it("reaches PostgreSQL through pg-cloudflare (cloudflare:sockets), not node:net", () => {
    expect(bundle.inputs.some((input) => /pg-cloudflare\/dist\/index\.js$/.test(input))).toBe(true);
  });

  it("pays an event delivered eight times at once exactly once; its record is committed in PostgreSQL", async () => {
    const event = siglumeEvents.standardSettled();
    const now = Math.floor(Date.now() / 1000);
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => deliver(event, now - i).then((res) => res.status)));
    // One claim runs the handler; the others found it in flight (409, redelivered later) or completed (204).
    expect(statuses).toContain(204);
    for (const status of statuses) expect([204, 409]).toContain(status);
    expect((await deliver(event)).status).toBe(204);
    expect((await callsOf(target)).paid[String(event.data.challenge_hash)]).toBe(1);
    const { rows } = await pool.query("SELECT status FROM siglume_webhook_events WHERE event_id = $1", [event.id]);
    expect(rows).toEqual([{ status: "completed" }]);
  });

  it("answers twelve different events delivered at once, each on its own connection", async () => {
    const events = Array.from({ length: 12 }, () => siglumeEvents.standardSettled());
    const statuses = await Promise.all(events.map((event) => deliver(event).then((res) => res.status)));
    expect(statuses).toEqual(events.map(() => 204));
    const paid = (await callsOf(target)).paid;
    for (const event of events) expect(paid[String(event.data.challenge_hash)]).toBe(1);
  });

  smokeCases(() => target);
});

describe("a shop in workerd with nodejs_compat: checkout start, orders, attempts and event records in PostgreSQL", () => {
  const SECRET = "whsec_workerd_checkout";
  let postgres: PostgresServer;
  let pool: pg.Pool;
  let sandbox: SiglumeSandbox;
  let bundle: WorkerBundle;
  let target: RunningTarget;
  beforeAll(async () => {
    postgres = await startPostgres();
    pool = testPool(postgres.url);
    await pool.query("CREATE TABLE orders (id text PRIMARY KEY, amount_minor bigint NOT NULL, currency text NOT NULL, status text NOT NULL, owner text NOT NULL)");
    await pool.query("INSERT INTO orders VALUES ('ord_a', 1200, 'JPY', 'unpaid', 'alice'), ('ord_b', 2400, 'JPY', 'unpaid', 'bob')");
    await pool.query(`${attemptsTableSql()};\n${createTableSql()}`); // the migrations
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    sandbox = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, port: 0, origin, webhookSecret: SECRET });
    ({ bundle, target } = await serve(
      "workerd postgres checkout",
      {
        nodejsCompat: true,
        nodeEnv: "production",
        port,
        bindings: {
          DATABASE_URL: postgres.url,
          SIGLUME_WEBHOOK_SECRET: SECRET,
          SIGLUME_API_BASE: sandbox.apiBase,
          SIGLUME_DIRECT_PAYMENT_MERCHANT: sandbox.env.SIGLUME_DIRECT_PAYMENT_MERCHANT!,
          SIGLUME_MERCHANT_AUTH_TOKEN: sandbox.env.SIGLUME_MERCHANT_AUTH_TOKEN!,
          PUBLIC_ORIGIN: origin,
        },
      },
      checkoutEntry,
    ));
  });
  afterAll(async () => {
    await target?.stop();
    bundle?.remove();
    await sandbox?.close();
    await pool?.end();
    await postgres?.destroy();
  });

  const start = (orderId: string, shopper: string) =>
    fetch(`${target.url}/checkout/siglume/start`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopper": shopper },
      body: JSON.stringify({ order_id: orderId }),
    });

  it("opens a checkout, and the sandbox's signed webhook marks the order paid once, with its event record", async () => {
    const started = await start("ord_a", "alice");
    expect(started.status).toBe(200);
    const { session_id: sessionId } = (await started.json()) as { session_id: string };
    expect((await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/confirm`, { method: "POST" })).status).toBe(200);
    await until(() => sandbox.deliveries().some((delivery) => delivery.delivery_status === "delivered"), 30_000, "the webhook to be delivered");
    expect(sandbox.deliveries()).toMatchObject([{ delivery_status: "delivered", response_status: 204 }]);

    const redelivered = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/redeliver`, { method: "POST" });
    expect(((await redelivered.json()) as { data: { response_status: number } }).data.response_status).toBe(204);
    expect((await pool.query("SELECT status FROM orders WHERE id = 'ord_a'")).rows).toEqual([{ status: "paid" }]);
    expect((await pool.query("SELECT status FROM siglume_checkout_attempts WHERE order_id = 'ord_a'")).rows).toEqual([{ status: "paid" }]);
    expect((await pool.query("SELECT status, attempts FROM siglume_webhook_events")).rows).toEqual([{ status: "completed", attempts: 1 }]);
  });

  it("refuses a start for another shopper's order", async () => {
    expect((await start("ord_b", "alice")).status).toBe(404);
  });
});

// Its own build, so that it reports the offending specifier even when such a Worker would fail to start.
describe("the smoke Worker bundled without nodejs_compat", () => {
  it("holds nothing of Node: no node: import, no require() of a builtin, the WebCrypto seam", async () => {
    const bundle = await bundleWorker(entry, { nodejsCompat: false, nodeEnv: "production" });
    try {
      expect(nodeSpecifiersIn(bundleCode(bundle)), "Node builtins in a bundle built without nodejs_compat").toEqual([]);
      expect(bundle.inputs.filter((input) => input.includes("/platform/"))).toEqual([expect.stringMatching(/core\/dist\/platform\/web\.js$/)]);
    } finally {
      bundle.remove();
    }
  });
});

describe("nodeSpecifiersIn", () => {
  it("finds node: and bare builtins in imports, dynamic imports and require calls, and nothing else", () => {
    const code = [
      'import { createHmac } from "node:crypto";',
      'import EventEmitter from "events";',
      'export * from "node:stream";',
      'const fs = await import("node:fs");',
      'var net = __require("net");',
      'const x = require("string_decoder/");',
      'import { z } from "zod";',
      'const p = require("./local.js");',
      'const text = "import from node:path";',
    ].join("\n");
    expect(nodeSpecifiersIn(code)).toEqual(["events", "net", "node:crypto", "node:fs", "node:stream", "string_decoder/"]);
  });
});
