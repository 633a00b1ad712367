// The checkout start route on every adapter, over real HTTP on loopback, against the local sandbox
// (a real Siglume-compatible API: no mocks). Each answer of issue 11, then the whole flow end to end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shops, startCheckout, startShopWithSandbox, type ShopWithSandbox } from "./support/checkout-apps.js";
import { freePort } from "./support/servers.js";

let orderCounter = 0;
/** A fresh order owned by alice. */
function newOrder(world: ShopWithSandbox, amount_minor = 1200, currency = "JPY", status = "unpaid") {
  const id = `ord_${++orderCounter}_${Math.random().toString(36).slice(2, 8)}`;
  world.orders.put({ id, amount_minor, currency, status, owner: "alice" });
  return id;
}

const sessionsFor = (world: ShopWithSandbox, orderId: string) =>
  world.sandbox.sessions().filter((s) => s.metadata_jsonb.order_id === orderId);

async function json(response: Response) {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

/** Starts like a browser that follows 202s: retries after retry_after_ms until it gets an answer. */
async function startFollowing(world: ShopWithSandbox, orderId: string) {
  for (let i = 0; i < 50; i++) {
    const answer = await json(await startCheckout(world.shop, { order_id: orderId }));
    if (answer.status !== 202) return answer;
    await new Promise((resolve) => setTimeout(resolve, answer.body.retry_after_ms));
  }
  throw new Error("still creating after 50 tries");
}

async function confirm(world: ShopWithSandbox, sessionId: string) {
  return json(await fetch(`${world.sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/confirm`, { method: "POST" }));
}

describe.each(shops)("checkout start route: $name", (fixture) => {
  let world: ShopWithSandbox;
  let metered: ShopWithSandbox;
  let disabled: ShopWithSandbox;
  let unreachable: ShopWithSandbox;

  beforeAll(async () => {
    const deadPort = await freePort(); // nothing listens there: Siglume "cannot be reached"
    [world, metered, disabled, unreachable] = await Promise.all([
      startShopWithSandbox(fixture),
      startShopWithSandbox(fixture, { allowMeteredPayments: true }),
      startShopWithSandbox(fixture, { sandbox: { hostedCheckoutEnabled: false } }),
      startShopWithSandbox(fixture, { checkout: { apiBase: `http://127.0.0.1:${deadPort}/v1`, timeoutMs: 2000 } }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([world, metered, disabled, unreachable].map((w) => w?.close()));
  });

  it("200 with checkout_url and session_id; a repeated start answers the same open session", async () => {
    const orderId = newOrder(world);
    const first = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(first.body).sort()).toEqual(["checkout_url", "session_id"]);
    expect(first.body.checkout_url).toBe(`${world.sandbox.url}/pay/${first.body.session_id}`);

    const again = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(again).toMatchObject({ status: 200, body: first.body });
    const [session] = sessionsFor(world, orderId);
    expect(sessionsFor(world, orderId)).toHaveLength(1);
    // The session was created from the server's order, on the shop's origin, with the attempt's nonce.
    expect(session).toMatchObject({ amount_minor: 1200, currency: "JPY", merchant: "sandbox_merchant" });
    expect(session!.success_url).toBe(`${world.shop.url}/checkout/siglume/success?order_id=${orderId}`);
    expect(session!.cancel_url).toBe(`${world.shop.url}/checkout/siglume/cancel?order_id=${orderId}`);
    const [attempt] = world.orders.attempts(orderId);
    expect(session!.nonce).toBe(attempt!.nonce);
    expect(attempt).toMatchObject({ status: "pending", session: { session_id: first.body.session_id, challenge_hash: session!.challenge_hash } });
  });

  it("amount and currency come from the order, never from the body", async () => {
    const orderId = newOrder(world, 2400, "JPY");
    const res = await json(await startCheckout(world.shop, { order_id: orderId, amount_minor: 1, currency: "USD" }));
    expect(res.status).toBe(200);
    expect(sessionsFor(world, orderId)[0]).toMatchObject({ amount_minor: 2400, currency: "JPY" });
  });

  it("404 with one answer for an unknown order and for another shopper's order", async () => {
    const orderId = newOrder(world);
    const unknown = await json(await startCheckout(world.shop, { order_id: "ord_does_not_exist" }));
    const notYours = await json(await startCheckout(world.shop, { order_id: orderId }, { shopper: "mallory" }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("ORDER_NOT_FOUND");
    expect(notYours).toEqual({ ...unknown, headers: notYours.headers });
    expect(JSON.stringify(notYours.body)).not.toContain(orderId);
    expect(sessionsFor(world, orderId)).toHaveLength(0);
  });

  it("the app's auth runs first: without a signed-in shopper the start route is never reached", async () => {
    const orderId = newOrder(world);
    const res = await startCheckout(world.shop, { order_id: orderId }, { shopper: "" });
    expect(res.status).toBe(401);
    expect(world.orders.attempts(orderId)).toHaveLength(0);
  });

  it("409 ORDER_ALREADY_PAID for a paid order, before any session", async () => {
    const orderId = newOrder(world, 1200, "JPY", "paid");
    const res = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ORDER_ALREADY_PAID");
    expect(sessionsFor(world, orderId)).toHaveLength(0);
  });

  it("409 METERED_INTEGRATION_REQUIRED below the Standard band (JPY < 501, USD < 301); the band's edges pass", async () => {
    for (const [amount, currency, expected] of [[500, "JPY", 409], [501, "JPY", 200], [300, "USD", 409], [301, "USD", 200], [1, "JPY", 409]] as const) {
      const orderId = newOrder(world, amount, currency);
      const res = await json(await startCheckout(world.shop, { order_id: orderId }));
      expect(res.status, `${currency} ${amount}`).toBe(expected);
      if (expected === 409) {
        expect(res.body.error.code).toBe("METERED_INTEGRATION_REQUIRED");
        expect(res.body.error.message).toMatch(/Standard band/);
        expect(sessionsFor(world, orderId)).toHaveLength(0);
        expect(world.orders.attempts(orderId)).toHaveLength(0);
      }
    }
  });

  it("with allowMeteredPayments a Micro amount starts a checkout", async () => {
    const orderId = newOrder(metered, 300, "JPY");
    const res = await json(await startCheckout(metered.shop, { order_id: orderId }));
    expect(res.status).toBe(200);
    expect(sessionsFor(metered, orderId)).toHaveLength(1);
  });

  it("409 ORDER_NOT_PAYABLE for an order Siglume cannot charge (EUR, fractional)", async () => {
    for (const [amount, currency] of [[1200, "EUR"], [1200.5, "JPY"]] as const) {
      const res = await json(await startCheckout(world.shop, { order_id: newOrder(world, amount, currency) }));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("ORDER_NOT_PAYABLE");
    }
  });

  it("409 HOSTED_CHECKOUT_NOT_ENABLED when Siglume has Hosted Checkout off for the merchant", async () => {
    const orderId = newOrder(disabled);
    const res = await json(await startCheckout(disabled.shop, { order_id: orderId }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("HOSTED_CHECKOUT_NOT_ENABLED");
    expect(disabled.orders.attempts(orderId).map((a) => a.status)).toEqual(["failed"]);
  });

  it("502 SIGLUME_UNAVAILABLE when the API cannot be reached; the attempt keeps its nonce for the next start", async () => {
    const orderId = newOrder(unreachable);
    const res = await json(await startCheckout(unreachable.shop, { order_id: orderId }));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("SIGLUME_UNAVAILABLE");
    expect(res.headers.get("retry-after")).toBe("5");
    const [attempt] = unreachable.orders.attempts(orderId);
    expect(attempt).toMatchObject({ status: "creating", leaseUntil: 0 });
    // The next start retries creation at once (no 202) with the same attempt.
    const again = await json(await startCheckout(unreachable.shop, { order_id: orderId }));
    expect(again.status).toBe(502);
    expect(unreachable.orders.attempts(orderId)).toHaveLength(1);
  });

  it("400 INVALID_REQUEST_BODY for malformed bodies, 415 for non-JSON, 405 for other methods", async () => {
    // Invalid JSON and bare primitives: the app's own (strict) JSON parser, mounted before the route, may
    // refuse them with its own 400 body; the status is the same everywhere.
    for (const body of ["{not json", '"ord_1"', "null"]) expect((await startCheckout(world.shop, body)).status, body).toBe(400);
    for (const body of ["[]", "{}", '{"order_id": ""}', '{"order_id": 0}', '{"order_id": {"$gt": ""}}', JSON.stringify({ order_id: "x".repeat(201) })]) {
      const res = await json(await startCheckout(world.shop, body));
      expect(res.status, body).toBe(400);
      expect(res.body.error.code, body).toBe("INVALID_REQUEST_BODY");
    }
    const text = await startCheckout(world.shop, '{"order_id":"x"}', { contentType: "text/plain" });
    expect(text.status).toBe(415);
    const get = await startCheckout(world.shop, undefined, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("20 concurrent starts for one order create one session; the others answer 202 creating or the same session", async () => {
    const orderId = newOrder(world);
    const answers = await Promise.all(Array.from({ length: 20 }, () => startCheckout(world.shop, { order_id: orderId }).then(json)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 200 && s !== 202), statuses.join(",")).toEqual([]);
    for (const creating of answers.filter((a) => a.status === 202)) {
      expect(creating.body).toEqual({ status: "creating", retry_after_ms: 250 });
      expect(creating.headers.get("retry-after")).toBe("1");
    }
    const sessionIds = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.session_id));
    expect(sessionIds.size).toBe(1);
    expect(sessionsFor(world, orderId)).toHaveLength(1);
    expect(world.orders.attempts(orderId)).toHaveLength(1);
    const followed = await startFollowing(world, orderId);
    expect(followed.body.session_id).toBe([...sessionIds][0]);
  });

  it("202 while another start holds the creation; an attempt stuck in creating past its lease is taken over with the same nonce", async () => {
    const orderId = newOrder(world);
    const order = world.orders.get(orderId)!;
    // A start that claimed the attempt and then died (its lease is long): the next start must wait.
    const held = await world.orders.beginAttempt({ order, merchant: "sandbox_merchant", creationLeaseMs: 60_000 });
    const waiting = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(waiting.status).toBe(202);

    const stuckOrder = world.orders.get(newOrder(world))!;
    const stuck = await world.orders.beginAttempt({ order: stuckOrder, merchant: "sandbox_merchant", creationLeaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const taken = await json(await startCheckout(world.shop, { order_id: stuckOrder.id }));
    expect(taken.status).toBe(200);
    const [session] = sessionsFor(world, stuckOrder.id);
    expect(held.state).toBe("create");
    expect(stuck.state === "create" && session!.nonce === stuck.nonce).toBe(true);
    expect(world.orders.attempts(stuckOrder.id)).toHaveLength(1);
  });

  it("a start after the order's amount changed ends the old attempt and opens a new session at the new amount; paying the old one goes to review", async () => {
    const orderId = newOrder(world, 1200);
    const first = await json(await startCheckout(world.shop, { order_id: orderId }));
    world.orders.put({ ...world.orders.get(orderId)!, amount_minor: 9800 }); // the shopper added items
    const second = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(second.status).toBe(200);
    expect(second.body.session_id).not.toBe(first.body.session_id);
    expect(sessionsFor(world, orderId).map((s) => [s.session_id, s.amount_minor])).toEqual([[first.body.session_id, 1200], [second.body.session_id, 9800]]);
    const attempts = world.orders.attempts(orderId);
    expect(attempts.map((a) => [a.status, a.amount_minor, a.failureCode])).toEqual([["failed", 1200, "ORDER_CHANGED"], ["pending", 9800, undefined]]);
    expect(attempts[0]!.nonce).not.toBe(attempts[1]!.nonce);
    // The old page is still open at Siglume (another tab): paying it is a mismatch for review, not fulfilment.
    const old = await confirm(world, first.body.session_id);
    expect(world.shop.reviews).toContainEqual({ eventId: old.body.data.event.id, reason: "amount_mismatch" });
    expect(world.orders.get(orderId)!.status).toBe("unpaid");
    await confirm(world, second.body.session_id);
    expect(world.orders.get(orderId)!.status).toBe("paid");
    expect(world.orders.paidCount(orderId)).toBe(1);
  });

  it("a start after the order's currency changed opens a new session in the new currency", async () => {
    const orderId = newOrder(world, 1200, "JPY");
    const first = await json(await startCheckout(world.shop, { order_id: orderId }));
    world.orders.put({ ...world.orders.get(orderId)!, currency: "USD" });
    const second = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(second.body.session_id).not.toBe(first.body.session_id);
    expect(sessionsFor(world, orderId).map((s) => s.currency)).toEqual(["JPY", "USD"]);
  });

  it("an attempt stuck in creating is not taken over at a changed amount: a new attempt with a new nonce creates the session", async () => {
    const orderId = newOrder(world, 1200);
    const stuck = await world.orders.beginAttempt({ order: world.orders.get(orderId)!, merchant: "sandbox_merchant", creationLeaseMs: 1 });
    world.orders.put({ ...world.orders.get(orderId)!, amount_minor: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(started.status).toBe(200);
    const [session] = sessionsFor(world, orderId);
    expect(stuck.state).toBe("create");
    expect(session).toMatchObject({ amount_minor: 2500 });
    expect(session!.nonce).not.toBe((stuck as { nonce: string }).nonce);
    expect(world.orders.attempts(orderId).map((a) => [a.status, a.amount_minor])).toEqual([["failed", 1200], ["pending", 2500]]);
    const paid = await confirm(world, started.body.session_id);
    expect(world.shop.reviews.filter((r) => r.eventId === paid.body.data.event.id)).toEqual([]);
    expect(world.orders.get(orderId)!.status).toBe("paid");
  });

  it("a session cancelled at Siglume ends its attempt: the next start opens a new session with a new nonce", async () => {
    const orderId = newOrder(world);
    const first = await json(await startCheckout(world.shop, { order_id: orderId }));
    const cancelled = await json(await fetch(`${world.sandbox.url}/v1/sandbox/checkout-sessions/${first.body.session_id}/cancel`, { method: "POST" }));
    expect(cancelled.body.data.redirect_url).toContain(`${world.shop.url}/checkout/siglume/cancel?order_id=${orderId}`);
    const second = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(second.status).toBe(200);
    expect(second.body.session_id).not.toBe(first.body.session_id);
    const attempts = world.orders.attempts(orderId);
    expect(attempts.map((a) => a.status)).toEqual(["failed", "pending"]);
    expect(attempts[0]!.nonce).not.toBe(attempts[1]!.nonce);
  });

  it("end to end: start → hosted page → confirm → signed webhook → paid once; redelivery and a second confirm change nothing", async () => {
    const orderId = newOrder(world, 1500, "JPY");
    const started = await json(await startCheckout(world.shop, { order_id: orderId }));
    const page = await fetch(started.body.checkout_url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="confirm"');
    expect(html).toContain("JPY 1,500");

    const confirmed = await confirm(world, started.body.session_id);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data).toMatchObject({ status: "paid", delivery_status: "delivered", response_status: 204 });
    expect(confirmed.body.data.redirect_url).toContain(`${world.shop.url}/checkout/siglume/success?order_id=${orderId}`);
    expect(world.orders.get(orderId)!.status).toBe("paid");
    expect(world.orders.paidCount(orderId)).toBe(1);
    expect(world.shop.fulfilments.filter((f) => f.status !== "mismatch" && f.orderId === orderId)).toEqual([
      { status: "paid", orderId, orderStatus: "paid" },
    ]);

    const again = await confirm(world, started.body.session_id);
    expect(again.body.data).toEqual(confirmed.body.data); // the first result, as Siglume's sandbox answers it
    const redelivered = await json(await fetch(`${world.sandbox.url}/v1/sandbox/checkout-sessions/${started.body.session_id}/redeliver`, { method: "POST" }));
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.data).toMatchObject({ redelivered: true, event: { id: confirmed.body.data.event.id }, delivery_status: "delivered", response_status: 204 });
    const deliveries = world.sandbox.deliveries().filter((d) => d.event_id === confirmed.body.data.event.id);
    expect(deliveries).toHaveLength(2); // the confirm's and the redelivery's; the second confirm sent nothing
    expect(world.orders.paidCount(orderId)).toBe(1);

    const afterPayment = await json(await startCheckout(world.shop, { order_id: orderId }));
    expect(afterPayment.status).toBe(409);
    expect(afterPayment.body.error.code).toBe("ORDER_ALREADY_PAID");
  });

  it("end to end, metered allowed: a Micro order is accepted at start and routed as usage (fulfilled, unsettled)", async () => {
    const orderId = newOrder(metered, 120, "JPY");
    const started = await json(await startCheckout(metered.shop, { order_id: orderId }));
    expect(started.status).toBe(200);
    const confirmed = await confirm(metered, started.body.session_id);
    expect(confirmed.body.data.delivery_status).toBe("delivered");
    expect(metered.orders.get(orderId)!.status).toBe("fulfilled_unsettled");
    expect(metered.shop.fulfilments.find((f) => f.orderId === orderId)).toEqual({ status: "paid", orderId, orderStatus: "fulfilled_unsettled" });
  });

  it("a payment that no longer matches its order (the amount changed after checkout) goes to review, not fulfilment", async () => {
    const orderId = newOrder(world, 1200, "JPY");
    const started = await json(await startCheckout(world.shop, { order_id: orderId }));
    world.orders.put({ ...world.orders.get(orderId)!, amount_minor: 9900 });
    const confirmed = await confirm(world, started.body.session_id);
    expect(confirmed.body.data.delivery_status).toBe("delivered");
    expect(world.orders.get(orderId)!.status).toBe("unpaid");
    expect(world.orders.paidCount(orderId)).toBe(0);
    expect(world.shop.reviews).toContainEqual({ eventId: confirmed.body.data.event.id, reason: "amount_mismatch" });
  });
});
