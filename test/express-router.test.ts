import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { siglumeRouter, webhookRouter } from "@siglume-middleware/express";
import { pomeloWebhooks, type PomeloOtp } from "@siglume-middleware/pomelo";
import { pomeloEvents, pomeloSignedRequest } from "@siglume-middleware/testing";
import { listen, type RunningApp } from "./support/apps.js";
import { SECRET, events, signed } from "./support/events.js";

// Express only: a router mounted with app.use(prefix, router) sees paths relative to the prefix.

/** What reached the router's logger as a warning (it warns before passing the request on, so before the answer). */
const warnings: { message: string }[] = [];
const logger = { info() {}, error() {}, warn: (message: string) => void warnings.push({ message }) };
afterEach(() => void (warnings.length = 0));

function mounted(mount: string | undefined, path?: string) {
  const paid: string[] = [];
  const app = express();
  const router = siglumeRouter({
    webhookSecret: SECRET,
    logger,
    ...(path === undefined ? {} : { path }),
    onDirectPaymentConfirmed: (payment) => void paid.push(payment.challenge_hash),
    onReview: () => {},
  });
  if (mount === undefined) app.use(router);
  else app.use(mount, router);
  return { paid, start: () => listen(app.listen(0, "127.0.0.1")) };
}

async function deliver(app: RunningApp, path: string) {
  const event = events.standardSettled();
  const delivery = signed(event);
  const res = await request(app.url).post(path).set(delivery.headers).send(delivery.text);
  return { status: res.status, hash: event.data.challenge_hash };
}

describe("siglumeRouter() under a mount prefix", () => {
  it.each([
    ["app.use(router)", undefined, undefined, "/webhooks/siglume"],
    ['app.use("/webhooks/siglume", router)', "/webhooks/siglume", undefined, "/webhooks/siglume"],
    ['app.use("/webhooks/siglume", router), trailing slash', "/webhooks/siglume", undefined, "/webhooks/siglume/"],
    ['app.use("/webhooks", router)', "/webhooks", undefined, "/webhooks/siglume"],
    ['app.use("/api", router) with a full path option', "/api", "/api/hooks/siglume", "/api/hooks/siglume"],
    ['app.use("/api", router) with a path relative to the mount', "/api", "/hooks/siglume", "/api/hooks/siglume"],
  ])("%s answers the webhook at %s", async (_title, mount, path, url) => {
    const { paid, start } = mounted(mount, path);
    const app = await start();
    try {
      const { status, hash } = await deliver(app, url);
      expect(status).toBe(204);
      expect(paid).toEqual([hash]);
      expect(warnings).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it("warns once, naming both paths, when signed deliveries miss the configured path", async () => {
    const { paid, start } = mounted("/payments");
    const app = await start();
    try {
      // Not signed, or not a POST: ordinary traffic the router passes on silently.
      expect((await request(app.url).post("/payments/siglume").send({})).status).toBe(404);
      expect((await request(app.url).get("/payments/siglume")).status).toBe(404);
      expect(warnings).toEqual([]);

      expect((await deliver(app, "/payments/siglume")).status).toBe(404);
      expect((await deliver(app, "/payments/siglume")).status).toBe(404);
      expect(paid).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toContain('router answers "/webhooks/siglume"');
      expect(warnings[0]!.message).toContain('arrived at "/payments/siglume"');
    } finally {
      await app.close();
    }
  });

  it("stays quiet about other signed POSTs once it has answered a delivery", async () => {
    const { start } = mounted(undefined);
    const app = await start();
    try {
      expect((await deliver(app, "/webhooks/siglume")).status).toBe(204);
      expect((await deliver(app, "/elsewhere")).status).toBe(404);
      expect(warnings).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it("a Pomelo router under a prefix verifies X-Endpoint as the full path the sender posted to", async () => {
    const otps: PomeloOtp[] = [];
    const secret = Buffer.from("express-prefix-pomelo-secret-0123").toString("base64");
    const app = express();
    app.use(
      "/api",
      webhookRouter(
        pomeloWebhooks({ apiKeys: [{ key: "pk_prefix", secret }], logger, onOtp: (otp) => void otps.push(otp), onTokenEvent: () => {}, onReview: () => {} }),
      ),
    );
    const running = await listen(app.listen(0, "127.0.0.1"));
    try {
      const otp = pomeloEvents.otp();
      const full = "/api/webhooks/pomelo/otp";
      const delivery = pomeloSignedRequest(otp, { apiKey: "pk_prefix", apiSecret: secret, endpoint: full });
      expect((await request(running.url).post(full).set(delivery.headers).send(delivery.text)).status).toBe(204);
      expect(otps.map((o) => o.eventId)).toEqual([otp.event_id]);
      // Signed for another endpoint than the one it arrived at: refused.
      const elsewhere = pomeloSignedRequest(pomeloEvents.otp(), { apiKey: "pk_prefix", apiSecret: secret, endpoint: "/other/otp" });
      expect((await request(running.url).post(full).set(elsewhere.headers).send(elsewhere.text)).status).toBe(401);
      expect(otps).toHaveLength(1);
    } finally {
      await running.close();
    }
  });
});
