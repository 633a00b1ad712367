// Pomelo's body digests, as the idempotency store receives them: versioned (v2_), keyed (never a plain hash of a
// body that may hold an OTP code), the same whichever pair signed when digestKey is set, and part of the key of an
// event without an id.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createWebhookHandler, memoryIdempotencyStore, type IdempotencyStore } from "@siglume-middleware/core";
import { pomeloWebhooks, type PomeloOptions } from "@siglume-middleware/pomelo";
import { pomeloSignedRequest } from "@siglume-middleware/testing";

const OTP = "/webhooks/pomelo/otp";
const PAIR = { key: "pk_digest_1", secret: Buffer.from("pomelo-digest-test-secret-0123456789").toString("base64") };
const OTHER = { key: "pk_digest_2", secret: Buffer.from("pomelo-digest-other-secret-012345678").toString("base64") };
const quiet = { info() {}, warn() {}, error() {} };

/** The keys and digests `options`' provider claims for `bodies`, each signed by `signer`. */
async function claims(options: Partial<PomeloOptions>, bodies: string[], signer = PAIR) {
  const seen: { key: string; digest: string }[] = [];
  const memory = memoryIdempotencyStore();
  const store: IdempotencyStore = { claim: (key, info) => (seen.push({ key, digest: info.digest }), memory.claim(key, info)) };
  const provider = pomeloWebhooks({ apiKeys: [PAIR, OTHER], logger: quiet, idempotencyStore: store, onTokenEvent() {}, onOtp() {}, onReview() {}, ...options });
  const handler = createWebhookHandler(provider);
  for (const body of bodies) {
    const { headers } = pomeloSignedRequest(body, { apiKey: signer.key, apiSecret: signer.secret, endpoint: OTP });
    const response = await handler.handle({ method: "POST", header: (name) => (headers as Record<string, string>)[name], readBody: () => Buffer.from(body), request: null, route: handler.match(OTP), path: OTP });
    expect(response.status).toBe(204);
  }
  return seen;
}

describe("Pomelo body digests", () => {
  it("are v2_ and 22 base64url characters, keyed: not a plain SHA-256 of the body, different under another key", async () => {
    const body = JSON.stringify({ otp: "123456", card_id: "crd_digest" });
    const [first] = await claims({}, [body]);
    expect(first!.digest).toMatch(/^v2_[A-Za-z0-9_-]{22}$/);
    const plain = createHash("sha256").update(body).digest("base64url");
    expect(plain.startsWith(first!.digest.slice(3))).toBe(false);
    expect(first!.key).toBe(`pomelo:otp:h:${first!.digest}`); // no id: the digest keys the record
    const [keyed] = await claims({ digestKey: "pomelo-digest-key-of-this-app-0123456789" }, [body]);
    expect(keyed!.digest).toMatch(/^v2_[A-Za-z0-9_-]{22}$/);
    expect(keyed!.digest).not.toBe(first!.digest);
  });

  it("are the same for the same body and differ for another, whichever pair signed when digestKey is set", async () => {
    const digestKey = "pomelo-digest-key-of-this-app-0123456789";
    const bodies = [JSON.stringify({ otp: "111111" }), JSON.stringify({ otp: "111112" })];
    const one = await claims({ digestKey }, bodies, PAIR);
    const other = await claims({ digestKey }, bodies, OTHER);
    expect(one.map((c) => c.digest)).toEqual(other.map((c) => c.digest));
    expect(one[0]!.digest).not.toBe(one[1]!.digest);
  });

  it("are the same for the same body whatever was digested between, small or past the reused buffer", async () => {
    const sized = (size: number, otp: string) => JSON.stringify({ otp, pad: "x".repeat(size) });
    const bodies = [sized(10, "222222"), sized(3000, "333333"), sized(70_000, "444444")];
    const seen = await claims({}, [...bodies, ...bodies.slice().reverse(), sized(10, "222223")]);
    const digests = seen.map((c) => c.digest);
    expect(digests.slice(3)).toEqual([digests[2], digests[1], digests[0], expect.any(String)]);
    expect(new Set(digests).size).toBe(4);
  });
});
