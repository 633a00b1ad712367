// The framework-free checkout pieces: the start-body parser (property tests), the Standard band,
// option refusals at start-up, the merchant client against the real sandbox and real failing servers,
// the fulfilment helper's checks, and session expiry.
import { once } from "node:events";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ORDER_ID_MAX_LENGTH,
  SiglumeAuthenticationError,
  SiglumeHostedCheckoutNotEnabledError,
  SiglumeInvalidRequestError,
  SiglumeMerchantClient,
  SiglumeMerchantNotFoundError,
  SiglumeUnavailableError,
  createSiglumeCheckoutHandler,
  fulfilSiglumePayment,
  isStandardAmount,
  memoryOrderStore,
  parseStartBody,
  pricingBandOf,
  type CheckoutAttempt,
} from "@siglume-middleware/checkout";
import { SiglumeConfigurationError, classifyDirectPaymentConfirmation, type StandardSettled } from "@siglume-middleware/core";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { siglumeEvents } from "@siglume-middleware/testing";
import { freePort } from "../support/servers.js";
import { latch } from "../support/timing.js";

describe("parseStartBody", () => {
  it("accepts any order_id string that is non-empty after trimming, ≤ 200 characters, without controls; trims it", () => {
    const id = fc.string({ minLength: 1, maxLength: ORDER_ID_MAX_LENGTH, unit: "grapheme" }).filter((s) => s.trim() !== "" && s.trim() === s && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s));
    fc.assert(
      fc.property(id, fc.constantFrom("", " ", "\t"), fc.dictionary(fc.string(), fc.jsonValue()), (orderId, pad, extra) => {
        const body = { ...extra, order_id: `${pad}${orderId}${pad}` };
        const expected = { ok: true, orderId };
        expect(parseStartBody(body)).toEqual(expected); // parsed by the framework
        expect(parseStartBody(JSON.stringify(body))).toEqual(expected); // raw text
        expect(parseStartBody(Buffer.from(JSON.stringify(body)))).toEqual(expected); // raw bytes
      }),
    );
  });

  it("takes positive safe integers as their decimal string and refuses every other number", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
      expect(parseStartBody({ order_id: n })).toEqual({ ok: true, orderId: String(n) });
    }));
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constant(2 ** 53)), (n) => {
        expect(parseStartBody({ order_id: n }).ok).toBe(false);
      }),
    );
  });

  it("refuses anything that is not an object with a usable order_id, and never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array(), fc.constant(undefined)), (value) => {
        const result = parseStartBody(value);
        if (result.ok) {
          expect(typeof result.orderId).toBe("string");
          expect(result.orderId.length).toBeGreaterThan(0);
          expect(result.orderId.length).toBeLessThanOrEqual(ORDER_ID_MAX_LENGTH);
        } else {
          expect(result.problem).toMatch(/\w/);
        }
      }),
    );
    for (const bad of [null, [], "[]", "", "  ", "{", { order_id: null }, { order_id: ["a"] }, { order_id: "a\nb" }, { order_id: "x".repeat(201) }, { orderId: "a" }]) {
      expect(parseStartBody(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("Standard band", () => {
  it("JPY ≥ 501 and USD ≥ 301 are Standard; below is Micro down to JPY 50 / USD 31, then Nano", () => {
    fc.assert(
      fc.property(fc.constantFrom("JPY", "USD"), fc.integer({ min: 1, max: 10_000_000 }), (currency, amount) => {
        const standardFrom = currency === "JPY" ? 501 : 301;
        const microFrom = currency === "JPY" ? 50 : 31;
        expect(isStandardAmount(currency, amount)).toBe(amount >= standardFrom);
        expect(pricingBandOf(currency, amount)).toBe(amount >= standardFrom ? "standard" : amount >= microFrom ? "micro" : "nano");
      }),
    );
    for (const [currency, amount] of [["EUR", 1000], ["jpy", 1000], ["JPY", 0], ["JPY", -5], ["JPY", 600.5], ["JPY", "600"]] as const) {
      expect(pricingBandOf(currency, amount)).toBeNull();
    }
  });
});

describe("start-up refusals", () => {
  const base = { merchant: "sandbox_merchant", publicOrigin: "https://shop.example", merchantAuthToken: "t", apiBase: "http://127.0.0.1:1/v1" };
  const { authorize: _a, ...noAuthorize } = memoryOrderStore({ owns: () => true });

  it("refuses a start route without an ownership check unless allowUnverifiedOrderLookup is given by name", () => {
    expect(() => createSiglumeCheckoutHandler({ ...base, orders: noAuthorize })).toThrow(/orders\.authorize\(orderId, request\) is required/);
    expect(() => createSiglumeCheckoutHandler({ ...base, orders: noAuthorize, allowUnverifiedOrderLookup: true })).not.toThrow();
    expect(() => createSiglumeCheckoutHandler({ ...base, orders: memoryOrderStore({ owns: () => true }) })).not.toThrow();
  });

  it("takes publicOrigin from SHOP_PUBLIC_ORIGIN (what the sandbox prints) when the option is absent; the option wins", () => {
    const orders = memoryOrderStore({ owns: () => true });
    const { publicOrigin: _omitted, ...withoutOrigin } = base;
    const saved = process.env.SHOP_PUBLIC_ORIGIN;
    try {
      delete process.env.SHOP_PUBLIC_ORIGIN;
      expect(() => createSiglumeCheckoutHandler({ ...withoutOrigin, orders })).toThrow(/publicOrigin is required.*SHOP_PUBLIC_ORIGIN/);
      process.env.SHOP_PUBLIC_ORIGIN = "http://localhost:3000";
      expect(createSiglumeCheckoutHandler({ ...withoutOrigin, orders }).options.successUrl("o1")).toBe("http://localhost:3000/checkout/siglume/success?order_id=o1");
      expect(createSiglumeCheckoutHandler({ ...base, orders }).options.cancelUrl("o1")).toBe("https://shop.example/checkout/siglume/cancel?order_id=o1");
      process.env.SHOP_PUBLIC_ORIGIN = "http://shop.example";
      expect(() => createSiglumeCheckoutHandler({ ...withoutOrigin, orders })).toThrow(/SHOP_PUBLIC_ORIGIN must use https/);
    } finally {
      if (saved === undefined) delete process.env.SHOP_PUBLIC_ORIGIN;
      else process.env.SHOP_PUBLIC_ORIGIN = saved;
    }
  });

  it("says what is wrong with the merchant, the origin, the token and the API base", () => {
    const orders = memoryOrderStore({ owns: () => true });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ merchant: undefined }, /SIGLUME_DIRECT_PAYMENT_MERCHANT/],
      [{ merchant: "Bad Merchant" }, /merchant key/],
      [{ publicOrigin: "http://shop.example" }, /https/],
      [{ publicOrigin: "https://shop.example/checkout" }, /origin only/],
      [{ merchantAuthToken: undefined }, /SIGLUME_MERCHANT_AUTH_TOKEN/],
      [{ apiBase: "http://siglume.example/v1" }, /https/],
      [{ apiBase: "https://user:pw@siglume.example/v1" }, /credentials/],
    ];
    const saved = { ...process.env };
    delete process.env.SIGLUME_DIRECT_PAYMENT_MERCHANT;
    delete process.env.SIGLUME_MERCHANT_AUTH_TOKEN;
    try {
      for (const [override, message] of cases) {
        const attempt = () => createSiglumeCheckoutHandler({ ...base, orders, ...override } as never);
        expect(attempt, JSON.stringify(override)).toThrow(SiglumeConfigurationError);
        expect(attempt, JSON.stringify(override)).toThrow(message);
      }
    } finally {
      process.env = saved;
    }
  });
});

describe("SiglumeMerchantClient against the sandbox (real HTTP)", () => {
  let sandbox: SiglumeSandbox;
  let disabled: SiglumeSandbox;
  let client: SiglumeMerchantClient;
  const session = { merchant: "sandbox_merchant", amount_minor: 1200, currency: "JPY" as const, success_url: "http://localhost:3000/ok", cancel_url: "http://localhost:3000/no" };

  beforeAll(async () => {
    const hook = await freePort();
    [sandbox, disabled] = await Promise.all([
      startSiglumeSandbox({ webhookUrl: `http://127.0.0.1:${hook}/webhooks/siglume`, port: 0, delivery: { maxAttempts: 1 } }),
      startSiglumeSandbox({ webhookUrl: `http://127.0.0.1:${hook}/webhooks/siglume`, port: 0, hostedCheckoutEnabled: false }),
    ]);
    client = new SiglumeMerchantClient({ apiBase: sandbox.apiBase, merchantAuthToken: "sandbox_merchant_token" });
  });
  afterAll(async () => {
    await sandbox?.close();
    await disabled?.close();
  });

  it("creates a session, reads it, the merchant, readiness, subscriptions; unwraps data", async () => {
    const created = await client.createCheckoutSession({ ...session, nonce: "n-1", metadata: { order_id: "o1" } });
    expect(created).toMatchObject({ status: "open", challenge_hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(await client.getCheckoutSession(created.session_id)).toMatchObject({ session_id: created.session_id, status: "open", amount_minor: 1200, metadata_jsonb: { order_id: "o1" } });
    expect((await client.getMerchant("sandbox_merchant")).merchant_account).toMatchObject({ merchant: "sandbox_merchant", status: "active" });
    expect(await client.getMerchantReadiness("sandbox_merchant")).toMatchObject({ ready: true, blockers: [] });
    const [subscription] = await client.listWebhookSubscriptions();
    expect(subscription).toMatchObject({ status: "active", signing_secret_hint: "ocal", event_types: expect.arrayContaining(["direct_payment.confirmed"]) });
  });

  it("queues a harmless test delivery and lists deliveries (the app is down here: failed, response_status null)", async () => {
    const queued = await client.queueWebhookTestDelivery({ event_type: "direct_payment.confirmed" });
    expect(queued).toMatchObject({ queued: true, event: { type: "direct_payment.confirmed" } });
    const deliveries = await client.listWebhookDeliveries({ event_type: "direct_payment.confirmed", limit: 5 });
    expect(deliveries[0]).toMatchObject({ event_id: queued.event.id, delivery_status: "failed", response_status: null });
  });

  it("typed errors carry Siglume's code and say what to do", async () => {
    const wrongToken = new SiglumeMerchantClient({ apiBase: sandbox.apiBase, merchantAuthToken: "not_the_token" });
    await expect(wrongToken.getMerchant("sandbox_merchant")).rejects.toThrow(SiglumeAuthenticationError);
    await expect(wrongToken.getMerchant("sandbox_merchant")).rejects.toMatchObject({ code: "UNAUTHENTICATED", status: 401, message: expect.stringMatching(/SIGLUME_MERCHANT_AUTH_TOKEN/) });
    await expect(client.getMerchant("someone_else")).rejects.toThrow(SiglumeMerchantNotFoundError);
    await expect(client.createCheckoutSession({ ...session, nonce: "n-2", currency: "EUR" as never })).rejects.toThrow(SiglumeInvalidRequestError);
    await expect(client.createCheckoutSession({ ...session, nonce: "n-3", success_url: "https://evil.example/x" })).rejects.toMatchObject({ code: "INVALID_CHECKOUT_SESSION_REQUEST", message: expect.stringMatching(/not registered/) });
    const off = new SiglumeMerchantClient({ apiBase: disabled.apiBase, merchantAuthToken: "sandbox_merchant_token" });
    await expect(off.createCheckoutSession({ ...session, nonce: "n-4" })).rejects.toThrow(SiglumeHostedCheckoutNotEnabledError);
    for (const error of await Promise.all([wrongToken.getMerchant("sandbox_merchant").catch((e) => e)])) {
      expect(String(error.message)).not.toContain("not_the_token");
    }
  });

  it("unreachable, slow, failing and non-JSON APIs are SiglumeUnavailableError, retryable", async () => {
    const dead = new SiglumeMerchantClient({ apiBase: `http://127.0.0.1:${await freePort()}/v1`, merchantAuthToken: "t" });
    await expect(dead.getMerchant("sandbox_merchant")).rejects.toMatchObject({ name: "SiglumeUnavailableError", code: "SIGLUME_UNREACHABLE", retryable: true, message: expect.stringMatching(/ECONNREFUSED/) });

    const behaviours: Record<string, (res: import("node:http").ServerResponse) => void> = {
      "/slow/v1/market/webhooks/subscriptions": () => {}, // never answers
      "/boom/v1/market/webhooks/subscriptions": (res) => res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"MAINTENANCE","message":"down"}}'),
      "/html/v1/market/webhooks/subscriptions": (res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"),
    };
    const server: Server = createServer((req, res) => behaviours[req.url!]?.(res)).listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const slow = new SiglumeMerchantClient({ apiBase: `${base}/slow/v1`, merchantAuthToken: "t", timeoutMs: 200 });
      await expect(slow.listWebhookSubscriptions()).rejects.toMatchObject({ code: "SIGLUME_TIMEOUT", retryable: true });
      const boom = new SiglumeMerchantClient({ apiBase: `${base}/boom/v1`, merchantAuthToken: "t" });
      await expect(boom.listWebhookSubscriptions()).rejects.toMatchObject({ name: "SiglumeUnavailableError", code: "MAINTENANCE", status: 503 });
      const html = new SiglumeMerchantClient({ apiBase: `${base}/html/v1`, merchantAuthToken: "t" });
      await expect(html.listWebhookSubscriptions()).rejects.toThrow(SiglumeUnavailableError);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a return-URL origin Siglume refuses is named in the 502 SIGLUME_REJECTED answer; other refusals name only Siglume's code", async () => {
    const orders = memoryOrderStore({ owns: () => true, orders: [{ id: "o_origin", amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
    const errors: unknown[] = [];
    const start = async (options: Partial<Parameters<typeof createSiglumeCheckoutHandler>[0]>) => {
      const handler = createSiglumeCheckoutHandler({ merchant: "sandbox_merchant", orders, client, onError: (e) => void errors.push(e), ...options });
      const response = await handler.handle({ method: "POST", header: () => "application/json", readBody: () => ({ order_id: "o_origin" }), request: {} });
      return { status: response.status, error: JSON.parse(response.body).error as { code: string; message: string } };
    };
    // The sandbox registered http://localhost:3000; the shop says it is https://shop.example.
    const mismatch = await start({ publicOrigin: "https://shop.example" });
    expect(mismatch.status).toBe(502);
    expect(mismatch.error.code).toBe("SIGLUME_REJECTED");
    expect(mismatch.error.message).toMatch(/return URLs, which are on https:\/\/shop\.example/);
    expect(mismatch.error.message).toMatch(/not registered .*checkout_allowed_origins/);
    expect(mismatch.error.message).toContain("--origin https://shop.example");
    // Siglume's own text (here: the merchant key and the registered origins) and the token stay in the logs.
    expect(mismatch.error.message).not.toMatch(/sandbox_merchant|localhost:3000|sandbox_merchant_token/);
    expect(String((errors.at(-1) as Error).message)).toMatch(/not registered for sandbox_merchant/);

    const wrongMerchant = await start({ publicOrigin: "http://localhost:3000", merchant: "someone_else" });
    expect(wrongMerchant.status).toBe(502);
    expect(wrongMerchant.error.message).toMatch(/\(EXTERNAL_402_MERCHANT_NOT_FOUND\); this shop's Siglume settings/);
    expect(wrongMerchant.error.message).not.toMatch(/return URLs, which are on/);
  });

  it("an expired session ends its attempt: the next start opens a new session", async () => {
    // A sandbox of its own whose sessions live 300 ms (the other cases read theirs while they are open).
    const shortLived = await startSiglumeSandbox({ webhookUrl: `http://127.0.0.1:${await freePort()}/webhooks/siglume`, port: 0, sessionTtlMs: 300, delivery: { maxAttempts: 1 } });
    try {
      const expiring = new SiglumeMerchantClient({ apiBase: shortLived.apiBase, merchantAuthToken: "sandbox_merchant_token" });
      const orders = memoryOrderStore({ owns: () => true, orders: [{ id: "o_exp", amount_minor: 900, currency: "JPY", status: "unpaid" }] });
      const handler = createSiglumeCheckoutHandler({ merchant: "sandbox_merchant", publicOrigin: "http://localhost:3000", orders, client: expiring });
      const start = async () => JSON.parse((await handler.handle({ method: "POST", header: () => "application/json", readBody: () => ({ order_id: "o_exp" }), request: {} })).body);
      const first = await start();
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the session's 300 ms, counted from before this wait
      const second = await start();
      expect(second.session_id).not.toBe(first.session_id);
      expect(orders.attempts("o_exp").map((a) => a.status)).toEqual(["expired", "pending"]);
    } finally {
      await shortLived.close();
    }
  });
});

describe("the start route never hands out a session it did not store", () => {
  let sandbox: SiglumeSandbox; // a repeated nonce makes a new session, as Siglume's reference sandbox does
  let strict: SiglumeSandbox; // a repeated nonce answers its open session again
  beforeAll(async () => {
    const webhookUrl = `http://127.0.0.1:${await freePort()}/webhooks/siglume`;
    [sandbox, strict] = await Promise.all([
      startSiglumeSandbox({ webhookUrl, port: 0, delivery: { maxAttempts: 1 } }),
      startSiglumeSandbox({ webhookUrl, port: 0, delivery: { maxAttempts: 1 }, repeatedNonce: "same-session" }),
    ]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await strict?.close();
  });

  const request = (orderId: string) => ({ method: "POST", header: () => "application/json", readBody: () => ({ order_id: orderId }), request: {} });
  const settings = (at = sandbox) => ({ merchant: "sandbox_merchant", publicOrigin: "http://localhost:3000", apiBase: at.apiBase, merchantAuthToken: "sandbox_merchant_token" });

  it.each(["new-session", "same-session"] as const)(
    "repeated nonce → %s: a start that outlived its creation lease and the start that took over answer the one stored session",
    async (mode) => {
      const at = mode === "new-session" ? sandbox : strict;
      const id = `o_lease_${mode}`;
      const inner = memoryOrderStore({ owns: () => true, orders: [{ id, amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
      const stalling = latch();
      const resumed = latch();
      let first = true;
      const orders: typeof inner = {
        ...inner,
        async markPending(attempt, session) {
          if (first) {
            first = false; // the first start stalls past its lease between Siglume's answer and storing it
            stalling.release();
            await resumed.released; // until the start that took over has answered
          }
          return inner.markPending(attempt, session);
        },
      };
      // The shortest lease the handler accepts above a Siglume call's timeout of 1 s (a loaded machine may take
      // a few hundred ms to answer one).
      const handler = createSiglumeCheckoutHandler({ ...settings(at), orders, timeoutMs: 1000, creationLeaseMs: 2000 });
      const slow = handler.handle(request(id));
      await stalling.released;
      await new Promise((resolve) => setTimeout(resolve, 2050)); // the lease (taken before the stall) is over
      const takeover = JSON.parse((await handler.handle(request(id))).body);
      resumed.release();
      const stalledAnswer = JSON.parse((await slow).body);
      expect(stalledAnswer.session_id).toBe(takeover.session_id);
      const attempts = inner.attempts(id);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ status: "pending", session: { session_id: takeover.session_id } });
      // At Siglume: the same nonce made a second session (never handed out), or answered the first again.
      const atSiglume = at.sessions().filter((s) => s.nonce === attempts[0]!.nonce);
      expect(atSiglume).toHaveLength(mode === "new-session" ? 2 : 1);
    },
  );

  it("an attempt ended while its session was being created: that session is not answered; the next attempt's stored one is", async () => {
    const inner = memoryOrderStore({ owns: () => true, orders: [{ id: "o_race", amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
    let ended = false;
    // Between Siglume's answer and markPending, the attempt ends (another instance saw its session cancelled).
    const orders: typeof inner = {
      ...inner,
      async markPending(attempt, session) {
        if (!ended) {
          ended = true;
          await inner.markFailed(attempt, { code: "SESSION_CANCELLED", retryable: false });
        }
        return inner.markPending(attempt, session);
      },
    };
    const handler = createSiglumeCheckoutHandler({ ...settings(), orders });
    const response = await handler.handle(request("o_race"));
    expect(response.status).toBe(200);
    const { session_id } = JSON.parse(response.body);
    const answered = sandbox.sessions().find((s) => s.session_id === session_id)!;
    const target = await inner.findOrderByChallengeHash(answered.challenge_hash);
    expect(target).toMatchObject({ attemptStatus: "pending", order: { id: "o_race" } });
    expect(inner.attempts("o_race").map((a) => a.status)).toEqual(["failed", "pending"]);
  });

  it("a store whose markPending does not say whether it stored the session is refused loudly (500, onError), never answered", async () => {
    const inner = memoryOrderStore({ owns: () => true, orders: [{ id: "o_void", amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
    const errors: unknown[] = [];
    const orders = { ...inner, async markPending(attempt: CheckoutAttempt, session: Parameters<typeof inner.markPending>[1]) { await inner.markPending(attempt, session); } };
    const handler = createSiglumeCheckoutHandler({ ...settings(), orders: orders as never, onError: (e) => void errors.push(e) });
    const response = await handler.handle(request("o_void"));
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe("CHECKOUT_FAILED");
    expect(String(errors[0])).toMatch(/markPending must answer true when it stored the session/);
  });

  it("refuses at start-up a creation lease that a Siglume call could outlast (creationLeaseMs ≤ timeoutMs + 1 s)", () => {
    const orders = memoryOrderStore({ owns: () => true });
    expect(() => createSiglumeCheckoutHandler({ ...settings(), orders, timeoutMs: 30_000 })).toThrow(/creationLeaseMs \(30000 ms\) must exceed the Siglume call's timeoutMs \(30000 ms\) by at least 1000 ms/);
    expect(() => createSiglumeCheckoutHandler({ ...settings(), orders, creationLeaseMs: 5_000 })).toThrow(SiglumeConfigurationError);
    const client = new SiglumeMerchantClient({ apiBase: sandbox.apiBase, merchantAuthToken: "t", timeoutMs: 20_000 });
    expect(() => createSiglumeCheckoutHandler({ ...settings(), orders, client, creationLeaseMs: 20_500 })).toThrow(/timeoutMs \(20000 ms\)/);
    expect(() => createSiglumeCheckoutHandler({ ...settings(), orders, timeoutMs: 2_000, creationLeaseMs: 3_000 })).not.toThrow();
  });
});

describe("adapters re-export the checkout API", () => {
  it("every value @siglume-middleware/checkout exports is exported by each adapter, in ESM and CommonJS alike", async () => {
    const require = createRequire(import.meta.url);
    const checkout = Object.keys(await import("@siglume-middleware/checkout")).sort();
    expect(checkout).toContain("CheckoutStoreUnavailableError");
    for (const adapter of ["express", "fastify", "koa", "nestjs"]) {
      const esm = Object.keys(await import(`@siglume-middleware/${adapter}`));
      const cjs = Object.keys(require(`@siglume-middleware/${adapter}`) as object);
      expect(checkout.filter((name) => !esm.includes(name)), `${adapter} (ESM)`).toEqual([]);
      expect(checkout.filter((name) => !cjs.includes(name)), `${adapter} (CommonJS)`).toEqual([]);
    }
  });
});

describe("fulfilSiglumePayment", () => {
  async function paidScenario(overrides: Record<string, unknown> = {}) {
    const orders = memoryOrderStore({ orders: [{ id: "o1", amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
    const begun = await orders.beginAttempt({ order: orders.get("o1")!, merchant: "mrc_demo", creationLeaseMs: 1000 });
    if (begun.state !== "create") throw new Error(begun.state);
    const event = siglumeEvents.standardSettled({ data: { challenge_hash: "sha256:abc", amount_minor: 1200, currency: "JPY", merchant: "mrc_demo", ...overrides } });
    await orders.markPending(begun, { session_id: "s1", checkout_url: "https://x/pay/s1", challenge_hash: "sha256:abc", expires_at: null });
    return { orders, payment: classifyDirectPaymentConfirmation(event) as StandardSettled };
  }

  it("marks the order paid once; a repeat is already_paid", async () => {
    const { orders, payment } = await paidScenario();
    expect(await fulfilSiglumePayment(orders, payment)).toEqual({ status: "paid", orderId: "o1", orderStatus: "paid" });
    expect(await fulfilSiglumePayment(orders, payment)).toEqual({ status: "already_paid", orderId: "o1" });
    expect(orders.paidCount("o1")).toBe(1);
  });

  it("sends merchant, amount, currency and unknown-hash mismatches to review without marking anything", async () => {
    for (const [overrides, reason] of [
      [{ merchant: "mrc_other" }, "merchant_mismatch"],
      [{ amount_minor: 1199 }, "amount_mismatch"],
      [{ amount_minor: "1200.0" }, "amount_mismatch"],
      [{ currency: "USD" }, "currency_mismatch"],
      [{ challenge_hash: "sha256:unknown" }, "unknown_challenge_hash"],
    ] as const) {
      const { orders, payment } = await paidScenario(overrides);
      expect(await fulfilSiglumePayment(orders, payment), reason).toMatchObject({ status: "mismatch", reason });
      expect(orders.paidCount("o1")).toBe(0);
      expect(orders.get("o1")!.status).toBe("unpaid");
    }
    const { orders, payment } = await paidScenario({ amount_minor: "1200" }); // decimal strings are accepted
    expect((await fulfilSiglumePayment(orders, payment)).status).toBe("paid");
  });

  it("an order whose amount changes between reading the target and marking it paid is not paid: amount_mismatch, to review", async () => {
    const { orders, payment } = await paidScenario();
    const racing = {
      ...orders,
      async findOrderByChallengeHash(hash: string) {
        const target = await orders.findOrderByChallengeHash(hash);
        orders.put({ ...orders.get("o1")!, amount_minor: 1500 }); // the shop edits the order meanwhile
        return target;
      },
      markPaid: orders.markPaid.bind(orders),
    };
    expect(await fulfilSiglumePayment(racing, payment)).toMatchObject({ status: "mismatch", reason: "amount_mismatch", orderId: "o1" });
    expect(orders.paidCount("o1")).toBe(0);
    expect(orders.get("o1")!.status).toBe("unpaid");
  });

  it("a second, distinct charge on a paid checkout (another requirement_id) goes to review; a true repeat stays already_paid", async () => {
    const { orders, payment } = await paidScenario();
    expect(await fulfilSiglumePayment(orders, payment)).toMatchObject({ status: "paid" });
    const redelivered = classifyDirectPaymentConfirmation(structuredClone(payment.event)) as StandardSettled;
    expect(await fulfilSiglumePayment(orders, redelivered)).toEqual({ status: "already_paid", orderId: "o1" });
    // Siglume's event id differs but it names the same charge: still a repeat.
    const reissued = classifyDirectPaymentConfirmation({ ...structuredClone(payment.event), id: "evt_reissued" }) as StandardSettled;
    expect(await fulfilSiglumePayment(orders, reissued)).toEqual({ status: "already_paid", orderId: "o1" });
    const second = classifyDirectPaymentConfirmation(
      siglumeEvents.standardSettled({ data: { ...payment.event.data, requirement_id: "dpr_second_charge" } }),
    ) as StandardSettled;
    expect(await fulfilSiglumePayment(orders, second)).toMatchObject({ status: "mismatch", reason: "duplicate_payment", orderId: "o1", detail: expect.stringContaining("dpr_second_charge") });
    expect(orders.paidCount("o1")).toBe(1);
    expect(orders.attempts("o1")[0]!.payment).toMatchObject({ requirement_id: payment.requirement_id });
  });

  it("two distinct charges on one checkout arriving together: one pays, the other goes to review", async () => {
    const { orders, payment } = await paidScenario();
    const second = classifyDirectPaymentConfirmation(
      siglumeEvents.standardSettled({ data: { ...payment.event.data, requirement_id: "dpr_second_charge" } }),
    ) as StandardSettled;
    const results = await Promise.all([fulfilSiglumePayment(orders, payment), fulfilSiglumePayment(orders, second)]);
    expect(results.map((r) => (r.status === "mismatch" ? r.reason : r.status)).sort()).toEqual(["duplicate_payment", "paid"]);
    expect(orders.paidCount("o1")).toBe(1);
  });

  it("memoryOrderStore: two sessions of one order paid at the same moment pay it once; the other is order_already_paid", async () => {
    const orders = memoryOrderStore({ orders: [{ id: "o1", amount_minor: 1200, currency: "JPY", status: "unpaid" }] });
    const order = orders.get("o1")!;
    const session = (n: number, expires_at: string | null) => ({ session_id: `s${n}`, checkout_url: `https://x/pay/s${n}`, challenge_hash: `sha256:h${n}`, expires_at });
    const first = await orders.beginAttempt({ order, merchant: "mrc_demo", creationLeaseMs: 1000 });
    await orders.markPending(first as CheckoutAttempt, session(1, new Date(Date.now() - 1).toISOString()));
    const second = await orders.beginAttempt({ order, merchant: "mrc_demo", creationLeaseMs: 1000 }); // s1 expired in our clock
    await orders.markPending(second as CheckoutAttempt, session(2, null));
    const pay = (hash: string) =>
      classifyDirectPaymentConfirmation(siglumeEvents.standardSettled({ data: { challenge_hash: hash, amount_minor: 1200, currency: "JPY", merchant: "mrc_demo" } })) as StandardSettled;
    const results = await Promise.all([fulfilSiglumePayment(orders, pay("sha256:h1")), fulfilSiglumePayment(orders, pay("sha256:h2"))]);
    expect(results.map((r) => (r.status === "mismatch" ? r.reason : r.status)).sort()).toEqual(["order_already_paid", "paid"]);
    expect(orders.paidCount("o1")).toBe(1);
    expect(orders.attempts("o1").filter((a) => a.status === "paid")).toHaveLength(1);
  });

  it("a second payment of an order through another attempt is a mismatch (order_already_paid), not a silent ack", async () => {
    const { orders, payment } = await paidScenario();
    orders.put({ ...orders.get("o1")!, status: "paid" });
    expect(await fulfilSiglumePayment(orders, payment)).toMatchObject({ status: "mismatch", reason: "order_already_paid" });
  });
});
