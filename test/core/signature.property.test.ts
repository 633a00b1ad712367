import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SiglumeWebhookError,
  parseSignatureHeader,
  signSiglumeWebhook,
  verifySiglumeWebhook,
} from "@siglume-middleware/core";

const NOW = 1_800_000_000;

const eventBody = fc
  .record({
    id: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ""),
    data: fc.dictionary(fc.string(), fc.jsonValue()),
  })
  .map(({ id, data }) =>
    Buffer.from(JSON.stringify({ id, type: "direct_payment.confirmed", api_version: "v", occurred_at: "o", data })),
  );
const secret = fc.string({ minLength: 1, maxLength: 64 });

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("signature header parser (property)", () => {
  it("either parses or throws a 400 SiglumeWebhookError, for any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("t=", "v1=", ",", "t=1,v1=")), (header) => {
        const error = errorOf(() => parseSignatureHeader(header));
        if (error === undefined) return;
        expect(error).toBeInstanceOf(SiglumeWebhookError);
        expect((error as SiglumeWebhookError).status).toBe(400);
      }),
      { numRuns: 2000 },
    );
  });

  it("finds t and every v1 in any order, with any spacing and hex case", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom("", " ", "  "), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 4 }),
        (t, digests, spaces, upper, tAt) => {
          const parts = digests.map((d) => `v1=${Buffer.from(d).toString("hex")}`).map((p) => (upper ? p.toUpperCase().replace("V1=", "v1=") : p));
          parts.splice(Math.min(tAt, parts.length), 0, `t=${t}`, "v0=ignored");
          const header = parts.map((p, i) => `${spaces[i % spaces.length]}${p}${spaces[(i + 5) % spaces.length]}`).join(",");
          const parsed = parseSignatureHeader(header);
          expect(parsed.timestamp).toBe(t);
          expect(parsed.signatures.map((s) => Buffer.from(s).toString("hex"))).toEqual(digests.map((d) => Buffer.from(d).toString("hex")));
        },
      ),
    );
  });
});

describe("verifier (property)", () => {
  it("accepts what signSiglumeWebhook produced, for any body, secret and in-tolerance clock", () => {
    fc.assert(
      fc.property(eventBody, secret, fc.integer({ min: -300, max: 300 }), (body, key, skew) => {
        const header = signSiglumeWebhook(key, body, { timestamp: NOW + skew });
        expect(verifySiglumeWebhook(body, header, { secret: key, now: NOW }).id).toBe(JSON.parse(body.toString()).id);
      }),
    );
  });

  it("never passes a random header over a random body", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string(), secret, (body, header, key) => {
        const error = errorOf(() => verifySiglumeWebhook(body, header, { secret: key, now: NOW }));
        expect(error).toBeInstanceOf(SiglumeWebhookError);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses any change to the body, the digest, the timestamp or the secret", () => {
    fc.assert(
      fc.property(eventBody, secret, fc.nat(), fc.integer({ min: 1, max: 255 }), (body, key, position, flip) => {
        const header = signSiglumeWebhook(key, body, { timestamp: NOW });
        const changed = Buffer.from(body);
        changed[position % changed.length]! ^= flip;
        const mismatch = (run: () => unknown) => expect((errorOf(run) as SiglumeWebhookError).code).toBe("SIGNATURE_MISMATCH");

        mismatch(() => verifySiglumeWebhook(changed, header, { secret: key, now: NOW }));
        mismatch(() => verifySiglumeWebhook(body, header, { secret: `${key}x`, now: NOW }));
        const digestAt = header.indexOf("v1=") + 3 + (position % 64);
        const digit = header[digestAt] === "0" ? "1" : "0";
        mismatch(() => verifySiglumeWebhook(body, header.slice(0, digestAt) + digit + header.slice(digestAt + 1), { secret: key, now: NOW }));
        mismatch(() => verifySiglumeWebhook(body, header.replace(`t=${NOW}`, `t=${NOW + 1}`), { secret: key, now: NOW }));
      }),
    );
  });

  it("applies the tolerance inclusively in both directions", () => {
    fc.assert(
      fc.property(eventBody, fc.integer({ min: 0, max: 3600 }), fc.integer({ min: -7200, max: 7200 }), (body, tolerance, skew) => {
        const header = signSiglumeWebhook("k", body, { timestamp: NOW + skew });
        const error = errorOf(() => verifySiglumeWebhook(body, header, { secret: "k", now: NOW, toleranceSeconds: tolerance }));
        if (Math.abs(skew) <= tolerance) expect(error).toBeUndefined();
        else expect((error as SiglumeWebhookError).code).toBe("TIMESTAMP_OUT_OF_TOLERANCE");
      }),
    );
  });

  it("passes during rotation when any v1 matches any configured secret", () => {
    fc.assert(
      fc.property(eventBody, secret, secret, fc.boolean(), (body, oldKey, newKey, newFirst) => {
        fc.pre(oldKey !== newKey);
        const v1 = (key: string) => signSiglumeWebhook(key, body, { timestamp: NOW }).split(",")[1];
        const header = `t=${NOW},${newFirst ? `${v1(newKey)},${v1(oldKey)}` : `${v1(oldKey)},${v1(newKey)}`}`;
        expect(() => verifySiglumeWebhook(body, header, { secret: [oldKey], now: NOW })).not.toThrow();
        expect(() => verifySiglumeWebhook(body, header, { secret: ["other", newKey], now: NOW })).not.toThrow();
        expect(() => verifySiglumeWebhook(body, header, { secret: [`${oldKey}${newKey}!`], now: NOW })).toThrow(SiglumeWebhookError);
      }),
    );
  });
});

describe("verifier input checks", () => {
  const body = Buffer.from('{"id":"e","type":"t","api_version":"v","occurred_at":"o","data":{}}');
  const header = signSiglumeWebhook("k", body, { timestamp: NOW });

  it("refuses a parsed object with BODY_NOT_RAW instead of re-stringifying it", () => {
    const error = errorOf(() => verifySiglumeWebhook(JSON.parse(body.toString()), header, { secret: "k", now: NOW }));
    expect(error).toMatchObject({ code: "BODY_NOT_RAW", status: 500 });
    expect((error as Error).message).toMatch(/raw/);
  });

  it("refuses a missing body with RAW_BODY_UNAVAILABLE and a missing header with SIGNATURE_HEADER_MISSING", () => {
    expect(errorOf(() => verifySiglumeWebhook(undefined as never, header, { secret: "k", now: NOW }))).toMatchObject({ code: "RAW_BODY_UNAVAILABLE" });
    expect(errorOf(() => verifySiglumeWebhook(body, undefined, { secret: "k", now: NOW }))).toMatchObject({ code: "SIGNATURE_HEADER_MISSING", status: 400 });
  });

  it("refuses to run without a secret, saying how to configure one", () => {
    expect(() => verifySiglumeWebhook(body, header, { secret: [] })).toThrow(/SIGLUME_WEBHOOK_SECRET/);
    expect(() => verifySiglumeWebhook(body, header, { secret: "" })).toThrow(/webhookSecret/);
  });
});
