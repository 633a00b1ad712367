// Pomelo's signature: the published-convention vector, property tests (random headers and bodies never
// crash and never pass wrongly; whatever pomeloSignedRequest signs passes), and start-up refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SiglumeConfigurationError, SiglumeWebhookError } from "@siglume-middleware/core";
import { pomeloSigningKeys, pomeloWebhooks, signPomelo, verifyPomeloRequest } from "@siglume-middleware/pomelo";
import { pomeloSignedRequest } from "@siglume-middleware/testing";

const fail = (message: string): never => {
  throw new SiglumeConfigurationError(message);
};
const VECTOR = {
  secret: "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
  timestamp: 1700000000,
  endpoint: "/webhooks/tokens/otp",
  body: '{"event_id":"example","n":1}',
  signature: "hmac-sha256 UnX3SlvLqU9VE1yeBckvMyJ2L0/aQSA4oZTXX/GBQTA=",
};
const keys = pomeloSigningKeys([{ key: "pk_vector", secret: VECTOR.secret }], fail);
const headers = (values: Record<string, string | undefined>) => (name: string) => values[name];

describe("Pomelo signature", () => {
  it("passes the published-convention vector, both ways", () => {
    expect(signPomelo(VECTOR.secret, VECTOR.timestamp, VECTOR.endpoint, VECTOR.body)).toBe(VECTOR.signature);
    const delivery = pomeloSignedRequest(VECTOR.body, { apiKey: "pk_vector", apiSecret: VECTOR.secret, endpoint: VECTOR.endpoint, timestamp: VECTOR.timestamp });
    expect(delivery.headers["x-signature"]).toBe(VECTOR.signature);
    const verified = verifyPomeloRequest(Buffer.from(VECTOR.body), headers(delivery.headers), keys, {
      endpoints: [VECTOR.endpoint],
      toleranceSeconds: 300,
      now: VECTOR.timestamp + 10,
    });
    expect(verified).toMatchObject({ timestamp: VECTOR.timestamp, endpoint: VECTOR.endpoint });
  });

  it("accepts whatever pomeloSignedRequest signs, for any body, endpoint and secret", () => {
    const secret = fc.uint8Array({ minLength: 16, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString("base64"));
    const endpoint = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `/${s}`);
    fc.assert(
      fc.property(fc.string(), endpoint, secret, fc.integer({ min: 0, max: 4_000_000_000 }), (body, path, apiSecret, timestamp) => {
        const delivery = pomeloSignedRequest(body, { apiKey: "pk_prop", apiSecret, endpoint: path, timestamp });
        const propKeys = pomeloSigningKeys([{ key: "pk_prop", secret: apiSecret }], fail);
        expect(() =>
          verifyPomeloRequest(delivery.body, headers(delivery.headers), propKeys, { endpoints: [path], toleranceSeconds: 0, now: timestamp }),
        ).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("never crashes and never passes a request it did not see signed with the secret, for random headers and bodies", () => {
    const genuine = pomeloSignedRequest(VECTOR.body, { apiKey: "pk_vector", apiSecret: VECTOR.secret, endpoint: VECTOR.endpoint, timestamp: VECTOR.timestamp });
    const header = (genuineValue: string) => fc.oneof(fc.constant(genuineValue), fc.string(), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(VECTOR.body), fc.string()),
        header(genuine.headers["x-api-key"]),
        fc.oneof(header(genuine.headers["x-signature"]), fc.base64String().map((b) => `hmac-sha256 ${b}`)),
        header(genuine.headers["x-timestamp"]),
        header(genuine.headers["x-endpoint"]),
        (body, apiKey, signature, timestamp, endpoint) => {
          const isGenuine =
            body === VECTOR.body &&
            apiKey === genuine.headers["x-api-key"] &&
            signature === genuine.headers["x-signature"] &&
            timestamp === genuine.headers["x-timestamp"] &&
            endpoint === genuine.headers["x-endpoint"];
          try {
            verifyPomeloRequest(
              Buffer.from(body),
              headers({ "x-api-key": apiKey, "x-signature": signature, "x-timestamp": timestamp, "x-endpoint": endpoint }),
              keys,
              { endpoints: [VECTOR.endpoint], toleranceSeconds: 300, now: VECTOR.timestamp },
            );
            expect(isGenuine).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(SiglumeWebhookError);
            expect((error as SiglumeWebhookError).status).toBe(401);
            expect(isGenuine).toBe(false);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("takes X-Timestamp only as 1–15 ASCII digits, and the api key and signature with spaces around them", () => {
    const whitespace = fc.constantFrom("", " ", "  ", "\t");
    const digits = fc.stringMatching(/^[0-9]{1,17}$/);
    const timestampText = fc.oneof(digits, fc.string({ maxLength: 17 }), digits.map((d) => `${d} `), digits.map((d) => `+${d}`), digits.map((d) => `${d}.0`));
    fc.assert(
      fc.property(timestampText, whitespace, whitespace, whitespace, (timestamp, keySpace, before, after) => {
        const signature = signPomelo(VECTOR.secret, timestamp, VECTOR.endpoint, VECTOR.body);
        const verify = () =>
          verifyPomeloRequest(
            Buffer.from(VECTOR.body),
            headers({
              "x-api-key": `${keySpace}pk_vector${keySpace}`,
              "x-signature": `hmac-sha256 ${before}${signature.slice("hmac-sha256 ".length)}${after}`,
              "x-timestamp": timestamp,
              "x-endpoint": VECTOR.endpoint,
            }),
            keys,
            // Every timestamp is within tolerance: only its form decides.
            { endpoints: [VECTOR.endpoint], toleranceSeconds: Number.MAX_SAFE_INTEGER, now: 0 },
          );
        if (/^\d{1,15}$/.test(timestamp)) expect(verify()).toMatchObject({ timestamp: Number(timestamp) });
        else expect(verify).toThrow(/not whole unix seconds/);
      }),
      {
        numRuns: 2000,
        // The edges, every run: 15 digits and 16, empty, digits that are not ASCII, an exponent.
        examples: [["123456789012345", " ", " ", " "], ["1234567890123456", "", "", ""], ["", "", "", ""], ["١٧٠٠", "", "", ""], ["17e8", "", "", ""]],
      },
    );
  });
});

describe("pomeloWebhooks start-up checks", () => {
  const required = {
    apiKeys: [{ key: "pk_1", secret: VECTOR.secret }],
    onTokenEvent() {},
    onOtp() {},
    onReview() {},
    logger: { info() {}, warn() {}, error() {} },
  };
  it.each([
    ["no api keys", { apiKeys: [] }, /apiKeys is required/],
    ["a secret that is not base64", { apiKeys: [{ key: "pk_1", secret: "not base64!" }] }, /not a base64 api secret/],
    ["a short secret", { apiKeys: [{ key: "pk_1", secret: "c2hvcnQ=" }] }, /at least 16 bytes/],
    ["the same api key twice", { apiKeys: [{ key: "pk_1", secret: VECTOR.secret }, { key: "pk_1", secret: VECTOR.secret }] }, /configured twice/],
    ["no OTP handler", { onOtp: undefined }, /onOtp is required/],
    ["no review handler", { onReview: undefined }, /onReview is required/],
    ["one path for both endpoints", { paths: { tokens: "/p", otp: "/p" } }, /must differ/],
    ["a digestKey that is not a secret string", { digestKey: 12345 }, /digestKey must be a secret string of at least 16 characters/],
    ["a short digestKey", { digestKey: "short-key" }, /digestKey must be a secret string of at least 16 characters/],
    ["a digestKey with a trailing newline", { digestKey: "pomelo-digest-key-0123456789\n" }, /digestKey starts or ends with whitespace/],
  ])("refuses %s", (_name, override, message) => {
    expect(() => pomeloWebhooks({ ...required, ...override } as never)).toThrow(SiglumeConfigurationError);
    expect(() => pomeloWebhooks({ ...required, ...override } as never)).toThrow(message);
  });

  it("warns at start-up when a rotation is configured without digestKey, and only then", () => {
    const rotating = [{ key: "pk_1", secret: VECTOR.secret }, { key: "pk_2", secret: VECTOR.secret }];
    const warningsFor = (override: object) => {
      const warnings: { message: string; fields: unknown }[] = [];
      pomeloWebhooks({ ...required, ...override, logger: { info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, fields }) } });
      return warnings;
    };
    const [warning, ...others] = warningsFor({ apiKeys: rotating });
    expect(others).toEqual([]);
    expect(warning!.message).toMatch(/Several Pomelo api keys and no digestKey.*first pair \(pk_1…\).*Set digestKey/);
    expect(warning!.fields).toMatchObject({ code: "POMELO_DIGEST_KEY_MISSING" });
    expect(warningsFor({ apiKeys: rotating, digestKey: "pomelo-digest-key-0123456789" })).toEqual([]);
    expect(warningsFor({})).toEqual([]); // one pair: nothing to rotate away yet
  });

  it("logs which api keys are configured by their first characters, never a secret", () => {
    const lines: string[] = [];
    pomeloWebhooks({ ...required, apiKeys: [{ key: "pk_live_abcdef", secret: VECTOR.secret }], logger: { info: (m, f) => void lines.push(JSON.stringify([m, f])), warn() {}, error() {} } });
    expect(lines.join()).toContain("pk_l…");
    expect(lines.join()).not.toContain("pk_live_abcdef");
    expect(lines.join()).not.toContain(VECTOR.secret);
  });
});
