// The sandbox as a Siglume stand-in: its envelopes and auth, the events it signs (classified by our
// own classifier), its retries and redelivery, and `siglume-webhooks sandbox` as a real subprocess.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyDirectPaymentConfirmation, isReadinessProbe, verifySiglumeWebhook, type SiglumeEvent } from "@siglume-middleware/core";
import express from "express";
import { siglumeRouter } from "@siglume-middleware/express";
import { retryDelayMs, startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { root } from "../../scripts/lib/examples.mjs";
import { checkSandboxReadiness } from "../support/readiness.js";
import { freePort } from "../support/servers.js";

const SECRET = "whsec_sandbox_local";
const AUTH = { authorization: "Bearer sandbox_merchant_token", "content-type": "application/json" };

/** A webhook receiver that answers with the next status of `plan` (then 204), verifying every signature. */
function receiver() {
  const received: { event: SiglumeEvent; header: string; at: number }[] = [];
  let plan: number[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const header = String(req.headers["siglume-signature"]);
    received.push({ event: verifySiglumeWebhook(Buffer.concat(chunks), header, { secret: SECRET }), header, at: Date.now() });
    res.writeHead(plan.shift() ?? 204).end();
  });
  return {
    received,
    answer: (...statuses: number[]) => void (plan = statuses),
    async listen() {
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/siglume`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("sandbox API", () => {
  const app = receiver();
  let sandbox: SiglumeSandbox;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.url}${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  const createSession = (amount_minor: number, currency = "JPY", nonce = `n-${Math.random()}`) =>
    api("/v1/sdrp/direct-payments/checkout-sessions", {
      method: "POST",
      body: JSON.stringify({ merchant: "sandbox_merchant", amount_minor, currency, nonce, success_url: "http://localhost:3000/s", cancel_url: "http://localhost:3000/c" }),
    });

  beforeAll(async () => {
    sandbox = await startSiglumeSandbox({ webhookUrl: await app.listen(), port: 0, delivery: { baseDelayMs: 40, maxDelayMs: 100, maxAttempts: 4 } });
  });
  afterAll(async () => {
    await sandbox?.close();
    await app.close();
  });

  it("wraps answers in {data, meta} and errors in {error: {code, message}}; the API needs the merchant token", async () => {
    const ok = await api("/v1/market/webhooks/subscriptions");
    expect(ok.status).toBe(200);
    expect(ok.body.meta).toMatchObject({ request_id: expect.any(String), trace_id: expect.any(String) });
    const noToken = await fetch(`${sandbox.url}/v1/market/webhooks/subscriptions`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.stringMatching(/Bearer/) } });
    expect((await api("/v1/nothing/here")).body.error.code).toBe("SANDBOX_ROUTE_NOT_FOUND");
    expect((await createSession(0)).body.error.code).toBe("INVALID_CHECKOUT_SESSION_REQUEST");
    expect((await api("/v1/sdrp/direct-payments/checkout-sessions", { method: "POST", body: "{" })).body.error.code).toBe("INVALID_JSON");
  });

  it("a nonce used again makes a new session with its own challenge, as Siglume's reference sandbox does", async () => {
    const first = await createSession(1200, "JPY", "n-repeated");
    const again = await createSession(1200, "JPY", "n-repeated");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.data.session_id).not.toBe(first.body.data.session_id);
    expect(again.body.data.challenge_hash).not.toBe(first.body.data.challenge_hash);
    expect(Object.keys(again.body.data).sort()).toEqual(["challenge_hash", "checkout_url", "expires_at", "session_id", "status"]);
  });

  it("repeatedNonce: same-session answers the nonce's open session again, and refuses it for another amount", async () => {
    const strict = await startSiglumeSandbox({ webhookUrl: "http://127.0.0.1:9/webhooks/siglume", port: 0, repeatedNonce: "same-session" });
    try {
      const create = (amount_minor: number, nonce: string) =>
        fetch(`${strict.apiBase}/sdrp/direct-payments/checkout-sessions`, {
          method: "POST",
          headers: AUTH,
          body: JSON.stringify({ merchant: "sandbox_merchant", amount_minor, currency: "JPY", nonce, success_url: "http://localhost:3000/s", cancel_url: "http://localhost:3000/c" }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
      const first = await create(1200, "n-1");
      expect((await create(1200, "n-1")).body.data).toEqual(first.body.data);
      const other = await create(1300, "n-1");
      expect(other).toMatchObject({ status: 409, body: { error: { code: "CHECKOUT_NONCE_ALREADY_USED" } } });
      expect(strict.sessions()).toHaveLength(1);
    } finally {
      await strict.close();
    }
    await expect(startSiglumeSandbox({ webhookUrl: "http://127.0.0.1:9/x", port: 0, repeatedNonce: "sometimes" as never })).rejects.toThrow(/repeatedNonce/);
  });

  it("GET a session: Siglume's HostedCheckoutSession fields (settlement ones once paid), never the nonce or the signed event", async () => {
    const { body } = await createSession(1200, "JPY", "n-get");
    const open = await api(`/v1/sdrp/direct-payments/checkout-sessions/${body.data.session_id}`);
    expect(open.status).toBe(200);
    expect(open.body.data).toEqual({
      session_id: body.data.session_id,
      merchant: "sandbox_merchant",
      amount_minor: 1200,
      currency: "JPY",
      token_symbol: "JPYC",
      status: "open",
      challenge_hash: body.data.challenge_hash,
      checkout_url: body.data.checkout_url,
      success_url: "http://localhost:3000/s",
      cancel_url: "http://localhost:3000/c",
      metadata_jsonb: {},
      requirement_id: null,
      pricing_band: "standard",
      settlement_cadence: "per_payment",
      finality: "per_payment_onchain",
      settlement_status: null,
      chain_receipt_id: null,
      protocol_fee_minor: null,
      created_at: expect.any(String),
      expires_at: body.data.expires_at,
      paid_at: null,
      cancelled_at: null,
    });
    const confirmed = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/confirm`, { method: "POST" });
    const eventId = ((await confirmed.json()) as { data: { event: { id: string } } }).data.event.id;
    const { event } = app.received.find((r) => r.event.id === eventId)!;
    const paid = await api(`/v1/sdrp/direct-payments/checkout-sessions/${body.data.session_id}`);
    expect(paid.body.data).toMatchObject({ status: "paid", requirement_id: event.data.requirement_id, settlement_status: "settled", chain_receipt_id: event.data.chain_receipt_id, paid_at: expect.any(String) });
    const micro = await createSession(300, "JPY", "n-get-micro");
    await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${micro.body.data.session_id}/cancel`, { method: "POST" });
    const cancelled = await api(`/v1/sdrp/direct-payments/checkout-sessions/${micro.body.data.session_id}`);
    expect(cancelled.body.data).toMatchObject({ status: "cancelled", cancelled_at: expect.any(String), pricing_band: "micro", settlement_cadence: "weekly", finality: "aggregated_onchain_settlement" });
    for (const data of [open.body.data, paid.body.data]) {
      expect(data).not.toHaveProperty("nonce");
      expect(JSON.stringify(data)).not.toContain("evt_");
    }
  });

  it("a second confirm answers the first result again, even while the first is still delivering, and sends no second webhook", async () => {
    app.answer(500); // the first delivery fails (then is retried in the background)
    const { body } = await createSession(1500, "JPY", "n-twice");
    const confirmUrl = `${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/confirm`;
    const answer = (r: Promise<Response>) => r.then(async (x) => ((await x.json()) as { data: Record<string, any> }).data);
    const [first, concurrent] = await Promise.all([answer(fetch(confirmUrl, { method: "POST" })), answer(fetch(confirmUrl, { method: "POST" }))]);
    const later = await answer(fetch(confirmUrl, { method: "POST" }));
    expect(first).toMatchObject({ status: "paid", delivery_status: "failed", response_status: 500 });
    expect(concurrent).toEqual(first);
    expect(later).toEqual(first);
    await sandbox.idle();
    const eventId = first.event.id;
    expect(sandbox.deliveries().filter((d) => d.event_id === eventId)).toHaveLength(1);
  });

  it("a Standard confirmation classifies standard_settled; small amounts carry Micro/Nano usage fields", async () => {
    const cases = [
      [1200, "JPY", "standard_settled", "standard"],
      [301, "USD", "standard_settled", "standard"],
      [300, "JPY", "metered_usage_accepted", "micro"],
      [20, "JPY", "metered_usage_accepted", "nano"],
      [30, "USD", "metered_usage_accepted", "nano"],
    ] as const;
    for (const [amount, currency, kind, band] of cases) {
      const { body } = await createSession(amount, currency);
      const confirmed = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/confirm`, { method: "POST" });
      const { data } = (await confirmed.json()) as { data: { event: { id: string } } };
      const { event } = app.received.find((r) => r.event.id === data.event.id)!;
      const classified = classifyDirectPaymentConfirmation(event);
      expect(classified.kind, `${currency} ${amount}`).toBe(kind);
      expect(event.data).toMatchObject({ pricing_band: band, amount_minor: amount, currency, merchant: "sandbox_merchant", challenge_hash: body.data.challenge_hash });
      if (band !== "standard") {
        expect(event.data).toMatchObject({ buyer_debit_minor: String(amount), provider_gross_amount_minor: String(amount), settlement_threshold_minor: "10000" });
        expect(Number(event.data.provider_receivable_minor) + Number(event.data.protocol_fee_minor)).toBeCloseTo(amount);
      }
    }
  });

  it("retries a refused delivery with growing backoff, each attempt freshly signed over the same bytes", async () => {
    app.answer(500, 503, 409);
    const { body } = await createSession(1500);
    const confirmed = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/confirm`, { method: "POST" });
    const { data } = (await confirmed.json()) as { data: { event: { id: string }; delivery_status: string; response_status: number } };
    expect(data).toMatchObject({ delivery_status: "failed", response_status: 500 });
    await sandbox.idle();
    const attempts = app.received.filter((r) => r.event.id === data.event.id);
    expect(attempts).toHaveLength(4); // 500, 503, 409, then 204
    expect(new Set(attempts.map((a) => JSON.stringify(a.event))).size).toBe(1);
    const [delivery] = sandbox.deliveries().filter((d) => d.event_id === data.event.id);
    expect(delivery).toMatchObject({ delivery_status: "delivered", response_status: 204, attempts: 4, next_retry_at: null });
    // Full jitter under a doubling cap: attempt n waits at most min(cap, base·2^(n-1)).
    const schedule = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 6, timeoutMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, schedule, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelayMs(3, schedule, () => 0)).toBe(0);
  });

  it("redeliver sends the same event freshly signed, and answers 502 when the app did not answer 2xx", async () => {
    const { body } = await createSession(1500);
    await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/confirm`, { method: "POST" });
    const first = app.received.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new signing second
    app.answer(500);
    const refused = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${body.data.session_id}/redeliver`, { method: "POST" });
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { data: unknown }).data).toMatchObject({ delivery_status: "failed", response_status: 500 });
    const again = app.received.at(-1)!;
    expect(again.event).toEqual(first.event);
    expect(again.header).not.toBe(first.header);
    const notConfirmed = await createSession(1500);
    const early = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${notConfirmed.body.data.session_id}/redeliver`, { method: "POST" });
    expect(early.status).toBe(409);
  });

  it("test deliveries are readiness probes (never a payment) and show up in the deliveries list", async () => {
    const queued = await api("/v1/market/webhooks/test-deliveries", { method: "POST", body: JSON.stringify({ event_type: "direct_payment.confirmed", data: { amount_minor: 5000 } }) });
    expect(queued.status).toBe(201);
    const { event } = app.received.find((r) => r.event.id === queued.body.data.event.id)!;
    expect(isReadinessProbe(event)).toBe(true);
    const listed = await api("/v1/market/webhooks/deliveries?event_type=direct_payment.confirmed&limit=1");
    expect(listed.body.data).toEqual([expect.objectContaining({ event_id: event.id, delivery_status: "delivered", response_status: 204 })]);
  });
});

describe("Siglume's readiness sequence (siglume-check verify --sandbox) against the sandbox", () => {
  it("passes with a real app's webhook route answering the readiness probe, from the environment the sandbox gives", async () => {
    const probes: string[] = [];
    const app = express();
    app.use(siglumeRouter({ webhookSecret: SECRET, onDirectPaymentConfirmed: () => {}, onReview: () => {}, onReadinessProbe: (event) => void probes.push(event.id) }));
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sandbox = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, origin, port: 0 });
    try {
      expect(sandbox.env).toMatchObject({ SIGLUME_ENV: "sandbox", SHOP_PUBLIC_ORIGIN: origin, SHOP_WEBHOOK_URL: `${origin}/webhooks/siglume` });
      const { failed, probeEventId } = await checkSandboxReadiness(sandbox.env);
      expect(failed).toEqual([]);
      expect(probes).toEqual([probeEventId]);
      // The readiness answer says this is not a live account, and the probe paid for nothing.
      const readiness = await fetch(`${sandbox.apiBase}/sdrp/direct-payments/merchants/sandbox_merchant/readiness`, { headers: AUTH }).then((r) => r.json() as Promise<{ data: Record<string, any> }>);
      expect(readiness.data.standard_hosted_checkout_readiness).toMatchObject({ merchant_responsibility_attested: true, live_mode_enabled: false });
    } finally {
      await sandbox.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("fails the delivery probe when the app's webhook route does not answer 2xx", async () => {
    const port = await freePort(); // nothing listens there
    const sandbox = await startSiglumeSandbox({ webhookUrl: `http://127.0.0.1:${port}/webhooks/siglume`, origin: `http://127.0.0.1:${port}`, port: 0, delivery: { maxAttempts: 1 } });
    try {
      expect((await checkSandboxReadiness(sandbox.env)).failed).toEqual(["webhook_delivery_probe_passed"]);
    } finally {
      await sandbox.close();
    }
  });
});

describe("siglume-webhooks sandbox (subprocess)", () => {
  it("prints the environment to set, serves the API on --port, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [`${root}packages/cli/dist/cli.js`, "sandbox", "--webhook-url", "http://127.0.0.1:9/webhooks/siglume", "--port", String(port), "--origin", "http://127.0.0.1:3000"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const deadline = Date.now() + 20_000;
    while (!output.includes("SHOP_WEBHOOK_URL=") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    try {
      for (const line of [
        `SIGLUME_API_BASE=http://127.0.0.1:${port}/v1`,
        "SIGLUME_MERCHANT_AUTH_TOKEN=sandbox_merchant_token",
        "SIGLUME_DIRECT_PAYMENT_MERCHANT=sandbox_merchant",
        "SIGLUME_WEBHOOK_SECRET=whsec_sandbox_local",
        "SIGLUME_ENV=sandbox",
        "SHOP_PUBLIC_ORIGIN=http://127.0.0.1:3000",
        "SHOP_WEBHOOK_URL=http://127.0.0.1:9/webhooks/siglume",
      ]) {
        expect(output).toContain(line);
      }
      const readiness = await fetch(`http://127.0.0.1:${port}/v1/sdrp/direct-payments/merchants/sandbox_merchant/readiness`, { headers: AUTH });
      expect(((await readiness.json()) as { data: unknown }).data).toMatchObject({ standard_hosted_checkout_readiness: { ready: true } });
    } finally {
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    }
  });

  it("refuses a missing --webhook-url with usage exit 2", async () => {
    const child = spawn(process.execPath, [`${root}packages/cli/dist/cli.js`, "sandbox"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toMatch(/missing --webhook-url/);
  });
});
