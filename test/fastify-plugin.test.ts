import Fastify, { type FastifyInstance } from "fastify";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { memoryOrderStore } from "@siglume-middleware/checkout";
import { siglumeCheckoutPlugin, siglumePlugin, webhookPlugin } from "@siglume-middleware/fastify";
import { pomeloWebhooks, type PomeloOtp } from "@siglume-middleware/pomelo";
import { pomeloEvents, pomeloSignedRequest } from "@siglume-middleware/testing";
import { SECRET, events, signed } from "./support/events.js";

// Fastify only: the plugin adds the trailing-slash spelling itself, unless the host's router ignores it already.

describe("siglumePlugin() and trailing slashes", () => {
  it.each([
    ["a default Fastify", {}],
    ["ignoreTrailingSlash in routerOptions", { routerOptions: { ignoreTrailingSlash: true } }],
  ])("registers on %s and answers both spellings once each", async (_title, options) => {
    const paid: string[] = [];
    const app = Fastify(options);
    await app.register(siglumePlugin, {
      webhookSecret: SECRET,
      onDirectPaymentConfirmed: (payment) => void paid.push("challenge_hash" in payment ? payment.challenge_hash : "(metered)"),
      onReview: () => {},
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const hashes: unknown[] = [];
      for (const path of ["/webhooks/siglume", "/webhooks/siglume/"]) {
        const event = events.standardSettled();
        const delivery = signed(event);
        const res = await request(url).post(path).set(delivery.headers).send(delivery.text);
        expect(res.status).toBe(204);
        hashes.push(event.data.challenge_hash);
      }
      expect(paid).toEqual(hashes);
    } finally {
      await app.close();
    }
  });
});

describe("a registration prefix, as Fastify users expect it", () => {
  async function serve(app: FastifyInstance, run: (url: string) => Promise<void>) {
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      await run(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
    } finally {
      await app.close();
    }
  }
  const siglumeOptions = (paid: string[]) => ({ webhookSecret: SECRET, onDirectPaymentConfirmed: (p: { event: { id: string } }) => void paid.push(p.event.id), onReview: () => {} });

  it("siglumePlugin with { prefix: \"/api\" } answers /api/webhooks/siglume (and not the unprefixed path); a scope's prefix adds to it", async () => {
    const paid: string[] = [];
    const app = Fastify();
    await app.register(siglumePlugin, { ...siglumeOptions(paid), prefix: "/api" });
    await app.register(async (v1) => void (await v1.register(siglumePlugin, { ...siglumeOptions(paid), path: "/hooks/siglume", prefix: "/api" })), { prefix: "/v1" });
    await serve(app, async (url) => {
      const at = async (path: string) => {
        const event = events.standardSettled();
        const delivery = signed(event);
        return { event, res: await request(url).post(path).set(delivery.headers).send(delivery.text) };
      };
      for (const path of ["/api/webhooks/siglume", "/api/webhooks/siglume/", "/v1/api/hooks/siglume"]) {
        const { event, res } = await at(path);
        expect(res.status, path).toBe(204);
        expect(paid).toContain(event.id);
      }
      const { event, res } = await at("/webhooks/siglume");
      expect(res.status).toBe(404);
      expect(paid).not.toContain(event.id);
    });
  });

  it("webhookPlugin with a prefix: Pomelo's X-Endpoint is checked against the full path the request arrived at", async () => {
    const apiKeys = [{ key: "pk_live_prefix01", secret: Buffer.from("pomelo-prefix-secret-0123456789ab").toString("base64") }];
    const otps: PomeloOtp[] = [];
    const provider = pomeloWebhooks({ apiKeys, onTokenEvent: () => {}, onOtp: (otp) => void otps.push(otp), onReview: () => {}, logger: { info() {}, warn() {}, error() {} } });
    const app = Fastify();
    await app.register(webhookPlugin, { provider, prefix: "/api" });
    await serve(app, async (url) => {
      const sign = (endpoint: string) => pomeloSignedRequest(pomeloEvents.otp(), { apiKey: apiKeys[0]!.key, apiSecret: apiKeys[0]!.secret, endpoint });
      const full = sign("/api/webhooks/pomelo/otp");
      expect((await request(url).post("/api/webhooks/pomelo/otp").set(full.headers).send(full.text)).status).toBe(204);
      expect(otps.map((o) => o.eventId)).toEqual([JSON.parse(full.text).event_id]);
      const elsewhere = sign("/elsewhere/webhooks/pomelo/otp");
      const refused = await request(url).post("/api/webhooks/pomelo/otp").set(elsewhere.headers).send(elsewhere.text);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe("POMELO_ENDPOINT_MISMATCH");
    });
  });

  it("siglumeCheckoutPlugin with a prefix answers /api/checkout/siglume/start", async () => {
    const app = Fastify();
    const orders = memoryOrderStore({ owns: () => false });
    await app.register(siglumeCheckoutPlugin, { merchant: "sandbox_merchant", merchantAuthToken: "t", apiBase: "http://127.0.0.1:1/v1", publicOrigin: "https://shop.example", orders, prefix: "/api" });
    await serve(app, async (url) => {
      const res = await request(url).post("/api/checkout/siglume/start").send({ order_id: "o1" });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("ORDER_NOT_FOUND");
      expect((await request(url).post("/checkout/siglume/start").send({ order_id: "o1" })).body.error?.code).toBeUndefined();
    });
  });
});
