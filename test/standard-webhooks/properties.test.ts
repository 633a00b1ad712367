// fast-check properties of the Standard Webhooks verifier: header parsing never crashes and never passes what was not
// signed; a rotation list passes exactly when it holds a valid entry for a configured key, wherever it is; any
// tampering with the body, the id or the timestamp is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SiglumeConfigurationError, SiglumeWebhookError } from "@siglume-middleware/core";
import {
  MAX_SIGNATURE_ENTRIES,
  parseSignatures,
  standardPublicKeys,
  standardSecrets,
  verifyStandardRequest,
  type StandardVerificationKeys,
} from "@siglume-middleware/standard-webhooks";
import { standardWebhookKeyPair, standardWebhookRequest } from "@siglume-middleware/testing";

const fail = (message: string): never => {
  throw new SiglumeConfigurationError(message);
};
const SECRET = "whsec_cHJvcGVydHktc2VjcmV0LTAxMjM0NTY3ODlhYmNk";
const OTHER = "whsec_b3RoZXItcHJvcGVydHktc2VjcmV0LTAxMjM0NTY3";
const PAIR = standardWebhookKeyPair();
const NOW = 1_750_000_000;
const keysFor = (secret: string | string[], publicKey?: string): StandardVerificationKeys => ({
  secrets: standardSecrets(secret, fail),
  publicKeys: standardPublicKeys(publicKey, fail),
});
const KEYS = keysFor(SECRET, PAIR.publicKey);

/** The verifier's outcome: "ok", or the refusal's status and code (anything else is thrown on). */
async function outcome(body: string | Uint8Array, headers: Record<string, string | undefined>, keys = KEYS, now = NOW): Promise<string> {
  try {
    await verifyStandardRequest(body, (name) => headers[name], keys, { toleranceSeconds: 300, now });
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(SiglumeWebhookError);
    const { status, code } = error as SiglumeWebhookError;
    expect([400, 401]).toContain(status);
    return `${status} ${code}`;
  }
}

const entryArb = fc.oneof(
  fc.constantFrom("v1", "v1a", "v2", "V1", "v1b", "").chain((version) => fc.base64String({ maxLength: 100 }).map((sig) => `${version},${sig}`)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => `v1,${Buffer.from(bytes).toString("base64")}`),
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map((bytes) => `v1a,${Buffer.from(bytes).toString("base64")}`),
  fc.string({ maxLength: 30 }).filter((s) => !/\s/.test(s)),
);

describe("Standard Webhooks verifier properties", () => {
  it("parses any header without throwing: at most MAX_SIGNATURE_ENTRIES entries, well-formed ones of the version's length", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 3000 }), fc.array(entryArb, { maxLength: 40 }).map((entries) => entries.join(" "))), (header) => {
        const parsed = parseSignatures(header);
        expect(parsed.entries.length).toBeLessThanOrEqual(MAX_SIGNATURE_ENTRIES);
        expect(parsed.v1.every((bytes) => bytes.length === 32)).toBe(true);
        expect(parsed.v1a.every((bytes) => bytes.length === 64)).toBe(true);
        expect(parsed.v1.length + parsed.v1a.length).toBe(parsed.entries.filter((entry) => entry.bytes !== undefined).length);
      }),
      { numRuns: 1000 },
    );
  });

  it("never crashes and never passes headers it did not see signed, for random header values and bodies", async () => {
    const genuine = standardWebhookRequest('{"type":"a.b"}', { secret: SECRET, id: "msg_prop", timestamp: NOW });
    const value = (real: string) => fc.oneof(fc.constant(real), fc.constant(undefined), fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(genuine.text), fc.string({ maxLength: 60 })),
        value(genuine.headers["webhook-id"]!),
        value(genuine.headers["webhook-timestamp"]!),
        fc.oneof(value(genuine.headers["webhook-signature"]!), fc.array(entryArb, { maxLength: 5 }).map((entries) => entries.join(" "))),
        fc.boolean(),
        async (body, id, timestamp, signature, svix) => {
          const prefix = svix ? "svix" : "webhook";
          const headers = { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: timestamp, [`${prefix}-signature`]: signature };
          const isGenuine = body === genuine.text && id === "msg_prop" && timestamp === String(NOW) && signature === genuine.headers["webhook-signature"];
          const result = await outcome(body, headers);
          if (isGenuine) expect(result).toBe("ok");
          else expect(result).not.toBe("ok");
        },
      ),
      { numRuns: 500 },
    );
  });

  it("passes a list holding a valid entry anywhere among junk entries (rotation), and refuses it without one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: MAX_SIGNATURE_ENTRIES - 1 }),
        fc.nat(),
        fc.constantFrom("v1", "v1a", "next secret"),
        fc.string({ maxLength: 200 }),
        async (junk, position, signer, body) => {
          const rotating = keysFor([OTHER, SECRET], PAIR.publicKey);
          const delivery = standardWebhookRequest(body, {
            id: "msg_rotation",
            timestamp: NOW,
            ...(signer === "v1a" ? { privateKey: PAIR.privateKey } : { secret: signer === "v1" ? SECRET : OTHER }),
          });
          const valid = delivery.headers["webhook-signature"]!;
          const at = position % (junk.length + 1);
          const list = [...junk.slice(0, at), valid, ...junk.slice(at)].join(" ");
          const headers = { "webhook-id": "msg_rotation", "webhook-timestamp": String(NOW), "webhook-signature": list };
          expect(await outcome(delivery.body, headers, rotating)).toBe("ok");
          const without = { ...headers, "webhook-signature": junk.join(" ") };
          expect(await outcome(delivery.body, without, rotating)).toBe("401 STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses any tampering: a body byte changed, another id, another timestamp within the window", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.integer({ min: -299, max: 299 }).filter((shift) => shift !== 0),
        fc.boolean(),
        async (bytes, index, flip, otherId, shift, asymmetric) => {
          const delivery = standardWebhookRequest(Buffer.from(bytes), { id: "msg_tamper", timestamp: NOW, ...(asymmetric ? { privateKey: PAIR.privateKey } : { secret: SECRET }) });
          const headers = delivery.headers as Record<string, string>;
          expect(await outcome(delivery.body, headers)).toBe("ok");
          const body = Buffer.from(delivery.body);
          body[index % body.length]! ^= flip;
          expect(await outcome(body, headers)).toBe("401 STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
          if (otherId !== "msg_tamper") expect(await outcome(delivery.body, { ...headers, "webhook-id": otherId })).toBe("401 STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
          expect(await outcome(delivery.body, { ...headers, "webhook-timestamp": String(NOW + shift) })).toBe("401 STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads at most MAX_SIGNATURE_ENTRIES entries: a valid one past them is not seen", async () => {
    const delivery = standardWebhookRequest("{}", { secret: SECRET, id: "msg_many", timestamp: NOW });
    const junk = Array.from({ length: MAX_SIGNATURE_ENTRIES }, () => `v1,${Buffer.alloc(32).toString("base64")}`);
    const headers = { ...delivery.headers, "webhook-signature": [...junk, delivery.headers["webhook-signature"]].join(" ") };
    expect(await outcome(delivery.body, headers)).toBe("401 STANDARD_WEBHOOK_SIGNATURE_MISMATCH");
    headers["webhook-signature"] = [...junk.slice(1), delivery.headers["webhook-signature"]].join(" ");
    expect(await outcome(delivery.body, headers)).toBe("ok");
  });
});
