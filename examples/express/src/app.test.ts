// "Testing your handlers" in the README: unit-test the app's webhook handling with vitest + supertest.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { createApp } from "./app.js";

const secret = "whsec_test";

describe("Siglume webhooks", () => {
  it("marks a settled Standard payment paid once, however often it is delivered", async () => {
    const { app, paidOrders } = createApp(secret);
    const event = siglumeEvents.standardSettled();
    const delivery = signedRequest(event, { secret });

    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);
    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);

    expect([...paidOrders.keys()]).toEqual([event.data.challenge_hash]);
  });

  it("sends Micro usage to review instead of fulfilling it", async () => {
    const { app, paidOrders, reviews } = createApp(secret);
    const event = siglumeEvents.meteredUsageAccepted();
    const delivery = signedRequest(event, { secret });

    await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);

    expect(paidOrders.size).toBe(0);
    expect(reviews).toEqual([{ eventId: event.id, reason: "metered_integration_required" }]);
  });

  it("refuses a forged delivery", async () => {
    const { app, paidOrders } = createApp(secret);
    const delivery = signedRequest(siglumeEvents.standardSettled(), { secret: "not-the-secret" });

    const res = await request(app).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(401);

    expect(res.body.error.code).toBe("SIGNATURE_MISMATCH");
    expect(paidOrders.size).toBe(0);
  });
});
