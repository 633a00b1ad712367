// Standard Webhooks signatures: the published example vectors (v1 from the reference libraries' tests and Svix's
// docs, v1a from the reference Go library), the header sets, the mismatch diagnosis, and start-up refusals.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SiglumeConfigurationError, SiglumeWebhookError } from "@siglume-middleware/core";
import {
  parseSignatures,
  signStandardWebhook,
  standardWebhooks,
  verifyStandardWebhook,
} from "@siglume-middleware/standard-webhooks";
import { standardWebhookKeyPair, standardWebhookRequest } from "@siglume-middleware/testing";

/** The example every reference library tests against (and Svix's docs show). */
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
/**
 * The reference Go library's asymmetric vector: the same message signed with the seed below
 * ("TESTSIGNINGKEYDONOTUSETHISFORANY"); its public key, derived with node:crypto, is PUBLIC_KEY.
 */
const V1A_VECTOR = {
  privateKey: "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=",
  publicKey: "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=",
  signature: "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==",
};
const headersOf = (signature: string, overrides: Record<string, string | undefined> = {}) => ({
  "webhook-id": VECTOR.id,
  "webhook-timestamp": String(VECTOR.timestamp),
  "webhook-signature": signature,
  ...overrides,
});
const verifyVector = (headers: Record<string, string | undefined>, options: { secret?: string | string[]; publicKey?: string; body?: string } = { secret: VECTOR.secret }) =>
  verifyStandardWebhook(options.body ?? VECTOR.body, headers, { ...options, now: VECTOR.timestamp });

async function refusal(promise: Promise<unknown>): Promise<SiglumeWebhookError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SiglumeWebhookError);
  return error as SiglumeWebhookError;
}

describe("Standard Webhooks signature", () => {
  it("passes the published v1 example vector, both ways, with and without the whsec_ prefix", async () => {
    expect(signStandardWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    const delivery = standardWebhookRequest(VECTOR.body, { secret: VECTOR.secret, id: VECTOR.id, timestamp: VECTOR.timestamp });
    expect(delivery.headers["webhook-signature"]).toBe(VECTOR.signature);
    for (const secret of [VECTOR.secret, VECTOR.secret.slice("whsec_".length)]) {
      expect(await verifyVector(headersOf(VECTOR.signature), { secret })).toEqual({ id: VECTOR.id, timestamp: VECTOR.timestamp, scheme: "v1", headers: "webhook" });
    }
  });

  it("passes the reference library's v1a (ed25519) vector, and our helper signs it identically (ed25519 is deterministic)", async () => {
    expect(await verifyVector(headersOf(V1A_VECTOR.signature), { publicKey: V1A_VECTOR.publicKey })).toMatchObject({ scheme: "v1a" });
    const delivery = standardWebhookRequest(VECTOR.body, { privateKey: V1A_VECTOR.privateKey, id: VECTOR.id, timestamp: VECTOR.timestamp });
    expect(delivery.headers["webhook-signature"]).toBe(V1A_VECTOR.signature);
    // The whole spec example header: a v1 and a v1a entry; either key alone verifies it.
    const both = `${VECTOR.signature} ${V1A_VECTOR.signature}`;
    expect(await verifyVector(headersOf(both), { secret: VECTOR.secret })).toMatchObject({ scheme: "v1" });
    expect(await verifyVector(headersOf(both), { publicKey: V1A_VECTOR.publicKey })).toMatchObject({ scheme: "v1a" });
  });

  it("reads svix-* headers as the same, and the webhook-* set (never a mix) when both are present", async () => {
    const svix = { "svix-id": VECTOR.id, "svix-timestamp": String(VECTOR.timestamp), "svix-signature": VECTOR.signature };
    expect(await verifyVector(svix)).toMatchObject({ headers: "svix" });
    // Both sets, the svix one forged: the webhook-* set is read.
    expect(await verifyVector({ ...headersOf(VECTOR.signature), "svix-id": "msg_other", "svix-signature": "v1,AAAA" })).toMatchObject({ headers: "webhook" });
    // Both sets, the webhook one wrong: refused, and the message says svix-signature was not read.
    const refused = await refusal(verifyVector({ ...headersOf("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), ...svix }));
    expect(refused.code).toBe("STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
    expect(refused.message).toMatch(/svix-signature was there too/);
  });

  it.each([
    ["webhook-id", { "webhook-id": undefined }, "STANDARD_WEBHOOK_HEADERS_MISSING", /No webhook-id header/],
    ["webhook-timestamp", { "webhook-timestamp": undefined }, "STANDARD_WEBHOOK_HEADERS_MISSING", /No webhook-timestamp header/],
    ["a timestamp that is not unix seconds", { "webhook-timestamp": "2021-02-25T15:02:10Z" }, "STANDARD_WEBHOOK_TIMESTAMP_INVALID", /not whole unix seconds/],
    ["an id with a control character", { "webhook-id": "msg\u0001" }, "STANDARD_WEBHOOK_ID_INVALID", /control characters/],
    ["an id of 256 characters", { "webhook-id": "m".repeat(256) }, "STANDARD_WEBHOOK_ID_INVALID", /1–255/],
  ])("refuses %s with 400 before any signature is checked", async (_name, overrides, code, message) => {
    const refused = await refusal(verifyVector(headersOf(VECTOR.signature, overrides)));
    expect(refused).toMatchObject({ code, status: 400 });
    expect(refused.message).toMatch(message);
  });

  it("refuses a request without any signature header with 400, naming both sets", async () => {
    const refused = await refusal(verifyVector({ "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.timestamp) }));
    expect(refused).toMatchObject({ code: "STANDARD_WEBHOOK_HEADERS_MISSING", status: 400 });
    expect(refused.message).toMatch(/webhook-signature.*svix-signature/s);
  });

  it("checks the timestamp after the signature: 401 outside the window, both directions, the window inclusive", async () => {
    const at = (now: number) => verifyStandardWebhook(VECTOR.body, headersOf(VECTOR.signature), { secret: VECTOR.secret, now });
    await expect(at(VECTOR.timestamp + 300)).resolves.toMatchObject({ id: VECTOR.id });
    await expect(at(VECTOR.timestamp - 300)).resolves.toMatchObject({ id: VECTOR.id });
    const late = await refusal(at(VECTOR.timestamp + 600));
    expect(late).toMatchObject({ code: "STANDARD_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE", status: 401 });
    expect(late.message).toMatch(/600 s in the past, beyond the 300 s tolerance/);
    expect((await refusal(at(VECTOR.timestamp - 301))).message).toMatch(/301 s in the future/);
    // A forged signature on an old request is a signature mismatch: an unsigned request learns nothing about time.
    const forged = await refusal(verifyStandardWebhook(VECTOR.body, headersOf("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), { secret: VECTOR.secret, now: VECTOR.timestamp + 600 }));
    expect(forged.code).toBe("STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
  });

  describe("a mismatch says what the list held and which mistake it sees", () => {
    const mismatch = async (signature: string, options?: Parameters<typeof verifyVector>[1]) => {
      const refused = await refusal(verifyVector(headersOf(signature), options));
      expect(refused).toMatchObject({ code: "STANDARD_WEBHOOK_SIGNATURE_MISMATCH", status: 401 });
      expect(refused.message).not.toContain(VECTOR.secret.slice("whsec_".length));
      return refused.message;
    };
    const signedWithKey = (key: Buffer, content = `${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.body}`) =>
      `v1,${createHmac("sha256", key).update(content).digest("base64")}`;

    it("a wrong secret: the usual causes", async () => {
      const message = await mismatch(signStandardWebhook("whsec_b3RoZXItc2VjcmV0LTAxMjM0NTY3ODlhYg==", VECTOR.id, VECTOR.timestamp, VECTOR.body));
      expect(message).toMatch(/1 entry \(1 well-formed v1, 0 well-formed v1a\)/);
      expect(message).toMatch(/wrong secret.*whsec_ prefix decoded.*re-serialised/s);
    });

    it("the whole whsec_ string base64-decoded (Buffer.from(secret, 'base64'))", async () => {
      expect(await mismatch(signedWithKey(Buffer.from(VECTOR.secret, "base64")))).toMatch(/whsec_ prefix included/);
    });

    it("the secret's characters used as the key", async () => {
      expect(await mismatch(signedWithKey(Buffer.from(VECTOR.secret, "utf8")))).toMatch(/secret's characters as the key/);
    });

    it("the body alone signed", async () => {
      expect(await mismatch(signedWithKey(Buffer.from(VECTOR.secret.slice(6), "base64"), VECTOR.body))).toMatch(/over the body alone/);
    });

    it("a body re-serialised after signing", async () => {
      const refused = await refusal(
        verifyStandardWebhook('{"test":2432232314}', headersOf(VECTOR.signature), { secret: VECTOR.secret, now: VECTOR.timestamp }),
      );
      expect(refused.message).toMatch(/re-serialised/);
    });

    it("no v1 entry at all, or only versions it does not know", async () => {
      expect(await mismatch("v2,abc v1,notbase64!")).toMatch(/2 entries \(0 well-formed v1, 0 well-formed v1a\): no v1 entry/);
      expect(await mismatch("")).toMatch(/0 entries/);
    });

    it("a v1a signature with only a secret configured, and a v1 signature with only a public key", async () => {
      expect(await mismatch(V1A_VECTOR.signature)).toMatch(/ed25519 key \(v1a\) but no publicKey is configured/);
      expect(await mismatch(VECTOR.signature, { publicKey: V1A_VECTOR.publicKey })).toMatch(/whsec_ secret \(v1\) but only publicKey is configured/);
      const other = standardWebhookKeyPair();
      expect(await mismatch(V1A_VECTOR.signature, { publicKey: other.publicKey })).toMatch(/no v1a entry verifies with the configured public key \(whpk_/);
    });
  });

  it("parses a list: spaces, a trailing comma from joined headers, unknown versions kept but unused", () => {
    const parsed = parseSignatures(`v1,${"A".repeat(43)}=,  v1a,${"B".repeat(86)}== v2,xyz v1,short`);
    expect(parsed.entries.map((entry) => [entry.version, entry.bytes?.length])).toEqual([
      ["v1", 32],
      ["v1a", 64],
      ["v2", undefined],
      ["v1", undefined],
    ]);
    expect(parsed.v1).toHaveLength(1);
    expect(parsed.v1a).toHaveLength(1);
  });

  describe("start-up refusals", () => {
    const start = (options: Record<string, unknown>) => () => standardWebhooks({ onEvent() {}, logger: { info() {}, warn() {}, error() {} }, ...options });
    it.each([
      ["no secret or public key (an unset environment variable)", { secret: undefined }, /secret is required.*environment variable/],
      ["a secret that is not base64", { secret: "whsec_not base64!" }, /secret is not a Standard Webhooks secret/],
      ["a secret under 16 bytes", { secret: "whsec_c2hvcnQ=" }, /at least 16 bytes/],
      ["a public key as the secret", { secret: V1A_VECTOR.publicKey }, /is a public key \(whpk_…\): pass it as publicKey/],
      ["a signing key as the secret", { secret: V1A_VECTOR.privateKey }, /sender's private key/],
      ["a signing key as the public key", { publicKey: V1A_VECTOR.privateKey }, /sender's private key/],
      ["a public key of the wrong length", { publicKey: "whpk_AAAA" }, /32 bytes/],
      ["an empty entry in a rotation list", { secret: [VECTOR.secret, ""] }, /secret\[1\] is empty/],
      ["a name with a colon", { secret: VECTOR.secret, name: "open:ai" }, /name must be/],
      ["a schema that is not a Standard Schema", { secret: VECTOR.secret, schema: { parse() {} } }, /Standard Schema/],
      ["a path without a slash", { secret: VECTOR.secret, path: "webhooks" }, /path must start with/],
    ])("%s", (_name, options, message) => {
      expect(start(options)).toThrow(SiglumeConfigurationError);
      expect(start(options)).toThrow(message);
    });
  });
});
