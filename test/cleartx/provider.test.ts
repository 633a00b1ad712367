// clearTxWebhooks on the real engine, in process: start-up checks, the verifier contract, and property
// tests (random headers and bodies never crash it and never pass when verify says no).
import fc from "fast-check";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { clearTxWebhooks, type ClearTxOptions, type ClearTxVerifyInput } from "@siglume-middleware/cleartx";
import { bodyDigest, createWebhookHandler, memoryIdempotencyStore, SiglumeConfigurationError, type IdempotencyStore, type WebhookLogger } from "@siglume-middleware/core";
import { clearTxRequest, clearTxTestSigner } from "@siglume-middleware/testing";

const SECRET = "cleartx-unit-secret";
const signer = clearTxTestSigner(SECRET);
const silent: WebhookLogger = { info() {}, warn() {}, error() {} };

function counting(overrides: Partial<ClearTxOptions> = {}) {
  const calls = { notifications: 0, confirmedData: 0, reviews: 0, errors: [] as unknown[] };
  const provider = clearTxWebhooks({
    verify: signer.verify,
    logger: silent,
    onError: (error) => void calls.errors.push(error),
    onNotification: () => void calls.notifications++,
    onConfirmedData: () => void calls.confirmedData++,
    onReview: () => void calls.reviews++,
    ...overrides,
  });
  const handler = createWebhookHandler(provider);
  const handled = () => calls.notifications + calls.confirmedData + calls.reviews;
  /** A request as an adapter hands it over; `request` is what the framework's request object would be. */
  const post = (path: string, headers: Record<string, string | string[]>, body: Buffer | string, request: unknown = { headers }) =>
    handler.handle({
      method: "POST",
      header: (name) => headers[name],
      readBody: () => body,
      request,
      route: handler.match(path),
    });
  return { calls, provider, handler, handled, post };
}

describe("clearTxWebhooks start-up checks", () => {
  const required = { verify: () => true, onNotification() {}, onReview() {}, logger: silent };
  it.each([
    ["no verify and no opt-out", { verify: undefined }, /verify is required.*insecureSkipVerification: true/s],
    ["no verify with insecureSkipVerification: false", { verify: undefined, insecureSkipVerification: false }, /verify is required/],
    ["verify and the opt-out together", { insecureSkipVerification: true }, /both given/],
    ["a verify that is not a function", { verify: "hmac" }, /verify must be a function/],
    ["an opt-out that is not a boolean", { verify: undefined, insecureSkipVerification: "yes" }, /insecureSkipVerification must be true or false/],
    ["no onNotification", { onNotification: undefined }, /onNotification is required/],
    ["no onReview", { onReview: undefined }, /onReview is required.*24 hours/s],
    ["an onConfirmedData that is not a function", { onConfirmedData: {} }, /onConfirmedData must be a function/],
    ["a verifyTimeoutMs that is not a positive number", { verifyTimeoutMs: 0 }, /verifyTimeoutMs must be a positive whole number of milliseconds/],
    ["a verifyTimeoutMs past what a timer can wait", { verifyTimeoutMs: 2 ** 31 }, /verifyTimeoutMs must be .* up to 2147483647/],
    ["a digestKey too short to be a secret", { digestKey: "short" }, /digestKey must be a secret string of at least 16 characters/],
    ["a digestKey that is not a string", { digestKey: 12345 }, /digestKey must be a secret string of at least 16 characters/],
    ["a digestKey of spaces", { digestKey: " ".repeat(20) }, /digestKey must be a secret string of at least 16 characters/],
    ["a digestKey with a trailing newline", { digestKey: "cleartx-digest-key-0123456789\n" }, /digestKey starts or ends with whitespace/],
    ["a basePath without a leading slash", { basePath: "v1/notify" }, /basePath must be a path starting with "\/"/],
    ["a basePath with a query", { basePath: "/v1/notify?x=1" }, /basePath must be a path/],
  ])("refuses %s", (_name, override, message) => {
    const start = () => clearTxWebhooks({ ...required, ...override } as never);
    expect(start).toThrow(SiglumeConfigurationError);
    expect(start).toThrow(message);
    expect(start).toThrow(/^siglume-middleware \(cleartx\): /);
  });

  it("starts without verify only with insecureSkipVerification: true, and says so loudly through the logger", () => {
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger: WebhookLogger = { info() {}, warn: (message, fields) => void warnings.push({ message, fields }), error() {} };
    const provider = clearTxWebhooks({ ...required, verify: undefined, insecureSkipVerification: true, logger });
    expect(provider.verifies).toBe(false);
    expect(warnings).toEqual([
      { message: expect.stringMatching(/NOT verified.*\/v1\/notify\/\*.*local development only/s), fields: { provider: "cleartx", code: "CLEARTX_VERIFICATION_SKIPPED" } },
    ]);
    warnings.length = 0;
    expect(clearTxWebhooks({ ...required, logger }).verifies).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("mounts the five endpoints below basePath", () => {
    expect(clearTxWebhooks(required).paths).toEqual({
      confirmed: "/v1/notify/confirmed",
      declined: "/v1/notify/declined",
      rejected: "/v1/notify/rejected",
      broadcasted: "/v1/notify/broadcasted",
      "confirmed-data": "/v1/notify/confirmed-data",
    });
    expect(clearTxWebhooks({ ...required, basePath: "/" }).paths.declined).toBe("/declined");
    expect(clearTxWebhooks({ ...required, basePath: "/hooks/cleartx/" }).routes.map((r) => r.path)).toContain("/hooks/cleartx/confirmed-data");
  });
});

describe("the verify contract", () => {
  it("accepts only true: false, undefined, a truthy string and a throw are 401, each with a message naming the cause", async () => {
    const delivery = clearTxRequest("confirmed");
    const cases: [unknown, string, RegExp][] = [
      [false, "CLEARTX_VERIFICATION_FAILED", /returned false/],
      [undefined, "CLEARTX_VERIFICATION_FAILED", /returned undefined instead of true or false.*missing return/s],
      ["true", "CLEARTX_VERIFICATION_FAILED", /returned a string/],
      [Promise.resolve(1), "CLEARTX_VERIFICATION_FAILED", /returned a number/],
      [Promise.reject(new Error("kms down: token=abc")), "CLEARTX_VERIFIER_FAILED", /threw/],
    ];
    for (const [result, code, message] of cases) {
      if (result instanceof Promise) result.catch(() => {});
      const { post, handled, calls } = counting({ verify: () => result as boolean });
      const res = await post(delivery.path, delivery.headers, delivery.body);
      expect(res.status).toBe(401);
      const error = JSON.parse(res.body!).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(res.body).not.toContain("kms down");
      expect(handled()).toBe(0);
      expect(calls.errors).toHaveLength(code === "CLEARTX_VERIFIER_FAILED" ? 1 : 0);
    }
    const syncThrow = counting({
      verify: () => {
        throw new TypeError("bug in verifier");
      },
    });
    const res = await syncThrow.post(delivery.path, delivery.headers, delivery.body);
    expect(JSON.parse(res.body!).error.code).toBe("CLEARTX_VERIFIER_FAILED");
    expect(syncThrow.calls.errors).toEqual([expect.objectContaining({ message: "bug in verifier" })]);
  });

  it("hands verify a Buffer of the bytes, the headers, a header() reader, the route and its path; sync and async alike", async () => {
    const seen: ClearTxVerifyInput[] = [];
    for (const verify of [(input: ClearTxVerifyInput) => (seen.push(input), true), async (input: ClearTxVerifyInput) => (seen.push(input), true)]) {
      const { post, calls } = counting({ verify, basePath: "/tr" });
      const delivery = clearTxRequest("rejected", undefined, { basePath: "/tr" });
      const headers = { ...delivery.headers, "x-key-id": ["k1", "k2"] };
      // As text, as a framework that kept the raw body as a string would hand it over.
      expect((await post(delivery.path, headers, delivery.text)).status).toBe(200);
      expect(calls.notifications).toBe(1);
      const input = seen.at(-1)!;
      expect(Buffer.isBuffer(input.rawBody) && input.rawBody.equals(delivery.body)).toBe(true);
      expect(input.headers["x-key-id"]).toEqual(["k1", "k2"]);
      expect(input.header("X-Key-Id")).toBe("k1");
      expect(input.header("Content-Type")).toBe("application/json");
      expect([input.route, input.path]).toEqual(["rejected", "/tr/rejected"]);
    }
  });

  it("reads headers through the engine's reader when the request object has none (another caller of the engine)", async () => {
    let seen: ClearTxVerifyInput | undefined;
    const { post } = counting({ verify: (input) => ((seen = input), signer.verify(input)) });
    const delivery = clearTxRequest("confirmed", undefined, { sign: signer.sign });
    expect((await post(delivery.path, delivery.headers, delivery.body, { url: delivery.path })).status).toBe(200);
    expect(seen!.headers["X-Test-Signature"]).toBe(delivery.headers["x-test-signature"]);
    expect("x-test-signature" in seen!.headers).toBe(true);
  });
});

describe("what onError is told", () => {
  const failing = () => {
    throw new Error("storage down");
  };
  function reporting(overrides: Partial<ClearTxOptions> = {}) {
    const infos: Parameters<NonNullable<ClearTxOptions["onError"]>>[1][] = [];
    const { post } = counting({
      verify: () => true,
      onError: (_error, info) => void infos.push(info),
      onNotification: failing,
      onConfirmedData: failing,
      onReview: failing,
      ...overrides,
    });
    return { infos, post };
  }

  it("gets the key and only the string fields that identify the transfer, on every endpoint, never the IVMS.101 part", async () => {
    const { infos, post } = reporting();
    const declined = clearTxRequest("declined");
    const data = clearTxRequest("confirmed-data");
    expect((await post(declined.path, declined.headers, declined.body)).status).toBe(500);
    expect((await post(data.path, data.headers, data.body)).status).toBe(500);
    const refused = JSON.parse(declined.text) as Record<string, unknown> & { reason: { category: string; description: string } };
    const sent = JSON.parse(data.text) as Record<string, unknown>;
    const identifying = (payload: Record<string, unknown>) =>
      Object.fromEntries(
        ["transactionRef", "protocol", "status", "originatorVASPdid", "beneficiaryVASPdid"].filter((f) => typeof payload[f] === "string").map((f) => [f, payload[f]]),
      );
    expect(infos[0]).toMatchObject({ provider: "cleartx", route: "declined" });
    expect(infos[0]!.event).toEqual({ ...identifying(refused), reasonCategory: refused.reason.category });
    expect(JSON.stringify(infos[0]!.event)).not.toContain(refused.reason.description);
    expect(infos[1]).toMatchObject({ provider: "cleartx", route: "confirmed-data", key: `cleartx:confirmed-data:${sent.transactionRef as string}` });
    expect(sent.ivms101).toBeDefined();
    expect(infos[1]!.event).toEqual(identifying(sent));
    expect(JSON.stringify(infos[1])).not.toContain("Yılmaz");
  });

  it("never gets personal data a sender put elsewhere: an IVMS.101 body at /confirmed, an object in a typed field, an array body", async () => {
    const { infos, post } = reporting();
    const data = JSON.parse(clearTxRequest("confirmed-data").text) as Record<string, unknown>;
    const atConfirmed = clearTxRequest("confirmed", { ivms101: data.ivms101 });
    const objectInTyped = clearTxRequest("confirmed-data", { originatorVASPdid: { person: "Yılmaz Ayşe" } });
    const arrayBody = clearTxRequest("confirmed-data", JSON.stringify([{ ivms101: { name: "Yılmaz Ayşe" } }]));
    for (const delivery of [atConfirmed, objectInTyped, arrayBody]) {
      expect((await post(delivery.path, delivery.headers, delivery.body)).status).toBe(500);
    }
    expect(infos).toHaveLength(3);
    expect(atConfirmed.text).toContain("Yılmaz");
    for (const info of infos) expect(JSON.stringify(info.event ?? null)).not.toContain("Yılmaz");
    expect(infos[1]!.event).not.toHaveProperty("originatorVASPdid");
    expect(infos[2]!.event).toBeUndefined();
  });

  it("a verifier whose answer has a throwing `then` is refused 401 like any verifier that throws, and reported", async () => {
    const errors: unknown[] = [];
    const { post } = counting({
      verify: () =>
        ({
          get then() {
            throw new Error("broken thenable");
          },
        }) as never,
      onError: (error) => void errors.push(error),
    });
    const delivery = clearTxRequest("confirmed");
    const response = await post(delivery.path, delivery.headers, delivery.body);
    expect(response.status).toBe(401);
    expect(errors).toHaveLength(1);
  });

  it("hands verify's header() only header strings: constructor and __proto__ are no headers", async () => {
    const seen: unknown[] = [];
    const { post } = counting({
      verify: ({ header }) => {
        seen.push(header("constructor"), header("__proto__"), header("toString"));
        return true;
      },
    });
    const delivery = clearTxRequest("confirmed");
    expect((await post(delivery.path, delivery.headers, delivery.body)).status).toBe(200);
    expect(seen).toEqual([undefined, undefined, undefined]);
  });
});

describe("random headers and bodies", () => {
  const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.stringMatching(/^[0-9a-f]{64}$/));
  const headers = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), headerValue, { maxKeys: 6 });
  const payload = fc.oneof(
    // Every random part drawn by fast-check, so a failure replays and shrinks.
    fc
      .tuple(
        fc.constantFrom("confirmed", "declined", "rejected", "broadcasted", "confirmed-data"),
        fc.uuid(),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.stringMatching(/^[0-9a-f]{40}$/),
      )
      .map(
        ([kind, transactionRef, hash, address]) =>
          clearTxRequest(kind, {
            transactionRef,
            ...(kind === "broadcasted" ? { transactionBlockchainInfo: { txHash: `0x${hash}`, origin: `0x${address}`, destination: `0x${address}` } } : {}),
          }).text,
      ),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? "null"),
    fc.string(),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  );
  const route = fc.constantFrom("confirmed", "declined", "rejected", "broadcasted", "confirmed-data");

  it("never dispatch when verify says no, whatever it returns or throws, and never answer anything but 401", async () => {
    const verdict = fc.oneof(fc.constant(false), fc.constant(undefined), fc.constant(0), fc.constant("yes"), fc.constant("throw"));
    await fc.assert(
      fc.asyncProperty(route, headers, payload, verdict, async (name, extra, text, result) => {
        const current = counting({
          verify: () => {
            if (result === "throw") throw new Error("no");
            return result as boolean;
          },
        });
        const res = await current.post(`/v1/notify/${name}`, { ...extra, "content-type": "application/json" }, Buffer.from(text));
        expect(res.status).toBe(401);
        expect(["CLEARTX_VERIFICATION_FAILED", "CLEARTX_VERIFIER_FAILED"]).toContain(JSON.parse(res.body!).error.code);
        expect(current.handled()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("pass only with the signature the verifier expects; every verified body is answered 200 and reaches one handler, once", async () => {
    const { post, handled, calls } = counting();
    // A body is handled once per endpoint: its first verified delivery reaches exactly one handler, a repeat none.
    const seen = new Set<string>();
    const signature = (text: string) => createHmac("sha256", SECRET).update(text).digest("hex");
    const sign = fc.oneof(fc.constant("none"), fc.constant("right"), fc.constant("upper"), fc.constant("other-body"));
    await fc.assert(
      fc.asyncProperty(route, headers, payload, sign, async (name, extra, text, how) => {
        const given: Record<string, string | string[]> = { ...extra, "content-type": "application/json" };
        if (how === "right") given["x-test-signature"] = signature(text);
        if (how === "upper") given["x-test-signature"] = signature(text).toUpperCase();
        if (how === "other-body") given["x-test-signature"] = signature(`${text} `);
        const value = given["x-test-signature"];
        const expected = typeof value === "string" && value.toLowerCase() === signature(text);
        const before = handled();
        const res = await post(`/v1/notify/${name}`, given, Buffer.from(text));
        if (expected) {
          expect(res.status).toBe(200);
          expect(JSON.parse(res.body!)).toEqual({ status: "received" });
          const fresh = !seen.has(`${name} ${text}`);
          seen.add(`${name} ${text}`);
          expect(handled() - before).toBe(fresh ? 1 : 0);
        } else {
          expect(res.status).toBe(401);
          expect(handled()).toBe(before);
        }
      }),
      { numRuns: 600 },
    );
    expect(calls.errors).toEqual([]);
  });
});

describe("clearTxWebhooks digestKey", () => {
  /** The digest the store is given for one notification, handled by a provider with these options. */
  async function recordedDigest(delivery: ReturnType<typeof clearTxRequest>, overrides: Partial<ClearTxOptions> = {}) {
    const inner = memoryIdempotencyStore();
    const digests: string[] = [];
    const store: IdempotencyStore = { ...inner, claim: (key, info) => (digests.push(info.digest), inner.claim(key, info)) };
    const { post } = counting({ idempotencyStore: store, ...overrides });
    expect((await post(delivery.path, delivery.headers, delivery.body)).status).toBe(200);
    return digests[0]!;
  }

  it("keys the recorded body digest: the same body gives one digest per key, and none of them the plain SHA-256", async () => {
    const delivery = clearTxRequest("confirmed-data", undefined, { sign: signer.sign });
    const plain = await recordedDigest(delivery);
    expect(plain).toBe(bodyDigest(delivery.body)); // without digestKey: unkeyed, as documented
    const keyed = await recordedDigest(delivery, { digestKey: "cleartx-digest-key-0123456789abcdef" });
    expect(keyed).not.toBe(plain);
    expect(await recordedDigest(delivery, { digestKey: "cleartx-digest-key-0123456789abcdef" })).toBe(keyed);
    expect(await recordedDigest(delivery, { digestKey: "another-digest-key-0123456789abcdef" })).not.toBe(keyed);
  });
});
