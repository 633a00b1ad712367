import Fastify from "fastify";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { siglumePlugin } from "@siglume-middleware/fastify";
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
