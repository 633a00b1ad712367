// Standard Webhooks against real counterparts: deliveries signed by the official `standardwebhooks` library and by
// Svix's own `Webhook` class (svix-* headers) are accepted by a real app; what our testing helper (and so the CLI)
// signs is accepted by both libraries' verifiers; ed25519 signatures made directly with node:crypto verify.
// svix is pinned below 2.0: svix 2.x requires Node 22, and this repository supports Node 20.
import { generateKeyPairSync, sign } from "node:crypto";
import fc from "fast-check";
import request from "supertest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyStandardWebhook } from "@siglume-middleware/standard-webhooks";
import { standardWebhookEvent, standardWebhookRequest } from "@siglume-middleware/testing";
import type { RunningApp } from "../support/apps.js";
import { providerAdapters } from "../support/provider-apps.js";

const SECRET = "whsec_Y291bnRlcnBhcnQtc2VjcmV0LTAxMjM0NTY3"; // 24 bytes, as Svix makes them
const NEXT_SECRET = "whsec_bmV4dC1jb3VudGVycGFydC1zZWNyZXQtMDEy";
const PATH = "/webhooks/standard";
const now = () => new Date();

describe("Standard Webhooks against the official libraries", () => {
  const express = providerAdapters.find((adapter) => adapter.name === "express")!;
  const handled: string[] = [];
  let app: RunningApp;
  beforeAll(async () => {
    app = await express.startStandard({
      secret: SECRET,
      logger: { info() {}, warn() {}, error() {} },
      onEvent: (_event, ctx) => void handled.push(ctx.eventId),
    });
  });
  afterAll(() => app?.close());

  it("accepts a delivery signed by `standardwebhooks` (Webhook.sign), and runs its redeliveries not again", async () => {
    const body = JSON.stringify(standardWebhookEvent());
    const id = `msg_official_${Date.now()}`;
    const official = new StandardWebhook(SECRET);
    for (const seconds of [30, 10, 0]) {
      const timestamp = new Date(Date.now() - seconds * 1000);
      const headers = {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": official.sign(id, timestamp, body),
      };
      expect((await request(app.url).post(PATH).set(headers).send(body)).status).toBe(204);
    }
    expect(handled.filter((seen) => seen === id)).toHaveLength(1);
  });

  it("accepts a delivery signed by Svix's Webhook class under svix-* headers", async () => {
    const body = JSON.stringify({ type: "user.created", data: { id: "user_2abc" } });
    const id = `msg_svix_${Date.now()}`;
    const timestamp = now();
    const headers = {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "svix-signature": new SvixWebhook(SECRET).sign(id, timestamp, body),
    };
    expect((await request(app.url).post(PATH).set(headers).send(body)).status).toBe(204);
    expect(handled).toContain(id);
  });

  it("signs what both libraries' verifiers accept: one secret, a rotation list, svix-* headers, the bare base64 secret", () => {
    const event = standardWebhookEvent();
    const plain = standardWebhookRequest(event, { secret: SECRET });
    expect(new StandardWebhook(SECRET).verify(plain.text, plain.headers)).toEqual(event);
    const rotation = standardWebhookRequest(event, { secret: [SECRET, NEXT_SECRET] });
    expect(new StandardWebhook(SECRET).verify(rotation.text, rotation.headers)).toEqual(event);
    expect(new StandardWebhook(NEXT_SECRET.slice("whsec_".length)).verify(rotation.text, rotation.headers)).toEqual(event);
    const svix = standardWebhookRequest(event, { secret: SECRET, headers: "svix" });
    expect(new SvixWebhook(SECRET).verify(svix.text, svix.headers)).toEqual(event);
    const bare = standardWebhookRequest(event, { secret: SECRET.slice("whsec_".length) });
    expect(bare.headers["webhook-signature"]).toBe(standardWebhookRequest(event, { secret: SECRET, id: bare.id, timestamp: bare.timestamp }).headers["webhook-signature"]);
    expect(new SvixWebhook(SECRET).verify(bare.text, bare.headers)).toEqual(event);
  });

  it("agrees with `standardwebhooks` both ways for any body, id and secret (fast-check)", async () => {
    const secretArb = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString("base64")}`);
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 300 }), idArb, secretArb, async (body, id, secret) => {
        const timestamp = now();
        const official = new StandardWebhook(secret);
        const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "webhook-signature": official.sign(id, timestamp, body) };
        await expect(verifyStandardWebhook(Buffer.from(body), headers, { secret })).resolves.toMatchObject({ id, scheme: "v1" });
        const ours = standardWebhookRequest(body, { secret, id });
        expect(() => official.verify(ours.body, ours.headers, { jsonParse: false })).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it("verifies v1a signatures made with node:crypto's ed25519, which the reference verifier does not check", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const whpk = `whpk_${publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64")}`;
    const body = JSON.stringify(standardWebhookEvent());
    const id = "msg_ed25519";
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v1a,${sign(null, Buffer.from(`${id}.${timestamp}.${body}`), privateKey).toString("base64")}`;
    const headers = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
    await expect(verifyStandardWebhook(body, headers, { publicKey: whpk })).resolves.toMatchObject({ scheme: "v1a" });
    // The reference library compares whole "v1,<sig>" strings, so it has no way to accept a v1a entry.
    expect(() => new StandardWebhook(SECRET).verify(body, headers)).toThrow(/No matching signature/);
  });
});
