// examples/cloudflare-worker as users run it: `wrangler dev` reading its wrangler.toml (compatibility date, flags,
// the dev port's settings given as --var), a checkout on the local sandbox paid by the sandbox's signed webhook; and
// the bundle `wrangler deploy` would upload, served by workerd as in production (NODE_ENV=production).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { freePort } from "../support/servers.js";
import { until } from "../support/timing.js";
import type { RunningTarget } from "./spawn.js";
import { builtBundle, bundleCode, nodeSpecifiersIn, startWorkerd, type WorkerBundle } from "./workerd.js";
import { wranglerDev, wranglerDryRun } from "./wrangler.js";

const SECRET = "whsec_cloudflare_example";
const SHOPPER = { "x-demo-shopper": "demo-shopper" };

describe("examples/cloudflare-worker under wrangler dev", () => {
  let sandbox: SiglumeSandbox;
  let worker: RunningTarget;
  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    sandbox = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, port: 0, origin, webhookSecret: SECRET });
    const started = performance.now();
    worker = await wranglerDev(port, {
      SIGLUME_WEBHOOK_SECRET: SECRET,
      SIGLUME_API_BASE: sandbox.apiBase,
      SIGLUME_DIRECT_PAYMENT_MERCHANT: sandbox.env.SIGLUME_DIRECT_PAYMENT_MERCHANT!,
      SIGLUME_MERCHANT_AUTH_TOKEN: sandbox.env.SIGLUME_MERCHANT_AUTH_TOKEN!,
      PUBLIC_ORIGIN: origin,
    });
    console.log(`wrangler dev ready after ${Math.round(performance.now() - started)} ms`);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await sandbox?.close();
  });

  it("takes a payment end to end: the start route opens a checkout, the sandbox's signed webhook pays the order once", async () => {
    const start = await fetch(`${worker.url}/checkout/siglume/start`, {
      method: "POST",
      headers: { "content-type": "application/json", ...SHOPPER },
      body: JSON.stringify({ order_id: "ord_standard" }),
    });
    expect(start.status).toBe(200);
    const { session_id: sessionId, checkout_url: checkoutUrl } = (await start.json()) as { session_id: string; checkout_url: string };
    expect(checkoutUrl).toBe(`${sandbox.url}/pay/${sessionId}`);
    expect(sandbox.sessions().find((session) => session.session_id === sessionId)).toMatchObject({ amount_minor: 1200, currency: "JPY" });

    const confirmed = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/confirm`, { method: "POST" });
    expect(confirmed.status).toBe(200);
    await until(() => sandbox.deliveries().some((delivery) => delivery.delivery_status === "delivered"), 30_000, "the webhook to be delivered");
    expect(sandbox.deliveries()).toMatchObject([{ delivery_status: "delivered", response_status: 204 }]);
    expect(await (await fetch(`${worker.url}/orders/ord_standard`)).json()).toMatchObject({ status: "paid" });

    // The same event again, freshly signed: acknowledged, applied to nothing.
    const redelivered = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/redeliver`, { method: "POST" });
    expect(((await redelivered.json()) as { data: { response_status: number } }).data.response_status).toBe(204);
    expect(await (await fetch(`${worker.url}/reviews`)).json()).toEqual([]);
    expect(await (await fetch(`${worker.url}/orders/ord_standard`)).json()).toMatchObject({ status: "paid" });
  });

  it("refuses a start for another shopper's order, and a delivery signed with another secret", async () => {
    const start = await fetch(`${worker.url}/checkout/siglume/start`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-demo-shopper": "someone-else" },
      body: JSON.stringify({ order_id: "ord_micro" }),
    });
    expect(start.status).toBe(404);
    const forged = signedRequest(siglumeEvents.standardSettled(), { secret: "whsec_not_the_secret" });
    const res = await fetch(`${worker.url}/webhooks/siglume`, { method: "POST", headers: forged.headers, body: forged.text });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_MISMATCH");
  });
});

describe("examples/cloudflare-worker as `wrangler deploy` bundles it", () => {
  let bundle: WorkerBundle;
  beforeAll(async () => {
    const outdir = mkdtempSync(join(tmpdir(), "siglume-wrangler-out-"));
    const started = performance.now();
    bundle = builtBundle(join(outdir, "index.js"), false);
    await wranglerDryRun(outdir);
    console.log(`wrangler deploy --dry-run took ${Math.round(performance.now() - started)} ms`);
  }, 180_000);
  afterAll(() => bundle?.remove());

  it("uploads nothing of Node (its wrangler.toml turns nodejs_compat off)", () => {
    expect(nodeSpecifiersIn(bundleCode(bundle)), "Node builtins in the example's deploy bundle").toEqual([]);
  });

  it("refuses to start in production without its secret, naming it", async () => {
    await expect(startWorkerd("example without secrets", bundle)).rejects.toThrow(
      /refusing to start: SIGLUME_WEBHOOK_SECRET is not set and NODE_ENV=production/,
    );
  });

  it("starts with its settings, warning that its in-memory stores are per isolate", async () => {
    const worker = await startWorkerd("example deployed", bundle, {
      bindings: {
        SIGLUME_WEBHOOK_SECRET: SECRET,
        SIGLUME_DIRECT_PAYMENT_MERCHANT: "shop_merchant",
        SIGLUME_MERCHANT_AUTH_TOKEN: "real_token",
        PUBLIC_ORIGIN: "https://shop.example",
      },
    });
    try {
      const delivery = signedRequest(siglumeEvents.meteredUsageAccepted(), { secret: SECRET });
      const res = await fetch(`${worker.url}/webhooks/siglume`, { method: "POST", headers: delivery.headers, body: delivery.text });
      expect(res.status).toBe(204);
      await until(() => worker.output().includes("[SIGLUME_MEMORY_STORE]"), 10_000, "the in-memory store warning");
      expect(worker.output()).not.toContain("real_token");
    } finally {
      await worker.stop();
    }
  });
});
