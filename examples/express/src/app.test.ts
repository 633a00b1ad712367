// "Testing your handlers" in the README: unit-test the app's webhook handling with vitest + supertest.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { createApp } from "./app.js";

const secret = "whsec_test";

describe("Siglume webhooks", () => {
  it("marks an order paid once, however often its payment is delivered", async () => {
    const { app, orders } = createApp(secret);
    // What the start route stores when it opens a checkout for ord_standard (JPY 1,200).
    const attempt = await orders.beginAttempt({ order: orders.get("ord_standard")!, merchant: "sandbox_merchant", creationLeaseMs: 30_000 });
    if (attempt.state !== "create") throw new Error(attempt.state);
    await orders.markPending(attempt, { session_id: "chk_1", checkout_url: "https://siglume.com/pay/chk_1", challenge_hash: "sha256:ord_standard_1", expires_at: null });
    const event = siglumeEvents.standardSettled({ data: { challenge_hash: "sha256:ord_standard_1", merchant: "sandbox_merchant", amount_minor: 1200, currency: "JPY" } });
    const delivery = signedRequest(event, { secret });

    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);
    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);

    expect(orders.get("ord_standard")!.status).toBe("paid");
    expect(orders.paidCount("ord_standard")).toBe(1);
  });

  it("records a payment for no checkout of this shop for review, and fulfils nothing", async () => {
    const { app, orders, reviews } = createApp(secret);
    const event = siglumeEvents.standardSettled(); // a challenge_hash no checkout of this app created
    const delivery = signedRequest(event, { secret });

    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);

    expect(reviews).toEqual([{ eventId: event.id, reason: "unknown_challenge_hash" }]);
    expect(orders.get("ord_standard")!.status).toBe("unpaid");
    expect((await request(app).get("/reviews").expect(200)).body).toEqual(reviews);
  });

  it("sends Micro usage to review instead of fulfilling it", async () => {
    const { app, reviews } = createApp(secret);
    const event = siglumeEvents.meteredUsageAccepted();
    const delivery = signedRequest(event, { secret });

    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);

    expect(reviews).toEqual([{ eventId: event.id, reason: "metered_integration_required" }]);
  });

  it("refuses a forged delivery", async () => {
    const { app, reviews } = createApp(secret);
    const delivery = signedRequest(siglumeEvents.standardSettled(), { secret: "not-the-secret" });

    const res = await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(401);

    expect(res.body.error.code).toBe("SIGNATURE_MISMATCH");
    expect(reviews).toEqual([]);
  });
});
