// Adyen's HMAC against Adyen's own Node library (the independent counterpart), its published vector,
// the key check value, and property tests: random headers and bodies never crash and never pass wrongly.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hmacValidator } from "@adyen/api-library";
import {
  adyenAuthenticationWebhooks,
  adyenHmacKeys,
  keyCheckValue,
  signAdyenPayload,
  verifyAdyenHmac,
} from "@siglume-middleware/adyen";
import { SiglumeConfigurationError, SiglumeWebhookError } from "@siglume-middleware/core";
import { adyenEvents, adyenSignedRequest } from "@siglume-middleware/testing";

// Adyen's test vector: this key over their accountHolderCreated.json mock (1,778 bytes, MIT, from
// Adyen/adyen-node-api-library src/__mocks__/notification) gives this HmacSignature.
const VECTOR_KEY = "11223344D785FBAE710E7F943F307971BB61B21281C98C9129B3D4018A57B2EB";
const VECTOR_BODY = readFileSync(new URL("../fixtures/adyen/accountHolderCreated.json", import.meta.url));
const VECTOR_SIGNATURE = "UVBzHbDayhfT1XgaRGAkuKvxwoxrLoVCBdfi3WZU8lI=";

const fail = (message: string): never => {
  throw new SiglumeConfigurationError(message);
};
const library = new hmacValidator();
const hexKey = fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString("hex").toUpperCase());

describe("Adyen HMAC", () => {
  it("passes Adyen's published vector, and Adyen's library agrees", () => {
    expect(VECTOR_BODY.length).toBe(1778);
    expect(library.calculateHmacSignature(VECTOR_BODY.toString("utf8"), VECTOR_KEY)).toBe(VECTOR_SIGNATURE);
    expect(signAdyenPayload(VECTOR_BODY, VECTOR_KEY)).toBe(VECTOR_SIGNATURE);
    expect(() => verifyAdyenHmac(VECTOR_BODY, VECTOR_SIGNATURE, adyenHmacKeys(VECTOR_KEY, fail))).not.toThrow();
  });

  it("computes the key check value Adyen documents", () => {
    expect(keyCheckValue("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1")).toBe("9540DA");
    expect(adyenHmacKeys(["00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1"], fail)[0]!.kcv).toBe("9540DA");
  });

  it("adyenSignedRequest signs byte for byte like Adyen's library, for any payload and key", () => {
    fc.assert(
      fc.property(fc.jsonValue(), hexKey, (value, key) => {
        const delivery = adyenSignedRequest(JSON.stringify(value) ?? "null", { hmacKey: key });
        expect(delivery.headers.hmacsignature).toBe(library.calculateHmacSignature(delivery.text, key));
        expect(library.validateHMACSignature(key, delivery.headers.hmacsignature, delivery.text)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts exactly what Adyen's library accepts, for random headers and bodies, and never throws anything else", () => {
    const keys = adyenHmacKeys(VECTOR_KEY, fail);
    const header = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.constant(VECTOR_SIGNATURE),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64")),
    );
    const body = fc.oneof(fc.string(), fc.constant(VECTOR_BODY.toString("utf8")), fc.jsonValue().map((v) => JSON.stringify(v) ?? ""));
    fc.assert(
      fc.property(body, header, (text, signature) => {
        let accepted: boolean;
        try {
          verifyAdyenHmac(Buffer.from(text), signature, keys);
          accepted = true;
        } catch (error) {
          expect(error).toBeInstanceOf(SiglumeWebhookError);
          expect((error as SiglumeWebhookError).status).toBe(401);
          accepted = false;
        }
        const libraryAccepts = signature.trim() !== "" && library.validateHMACSignature(VECTOR_KEY, signature.trim(), text);
        expect(accepted).toBe(libraryAccepts);
      }),
      { numRuns: 2000 },
    );
  });

  it("says when the signer used the key as text instead of hex-decoded bytes", () => {
    const body = JSON.stringify(adyenEvents.relayed());
    const asText = adyenSignedRequest(body, { hmacKey: Buffer.from(VECTOR_KEY, "utf8").toString("hex") });
    expect(() => verifyAdyenHmac(asText.body, asText.headers.hmacsignature, adyenHmacKeys(VECTOR_KEY, fail))).toThrow(/as text/);
  });
});

describe("adyenAuthenticationWebhooks start-up checks", () => {
  const required = {
    hmacKey: VECTOR_KEY,
    basicAuth: { username: "u", password: "p" },
    onRelayedAuthentication: () => "proceed" as const,
    onAuthenticationResult: () => {},
    logger: { info() {}, warn() {}, error() {} },
  };
  it.each([
    ["a key that is not hex", { hmacKey: "not-a-hex-key" }, /hmacKey is not even-length hex/],
    ["an odd-length hex key", { hmacKey: "ABC" }, /even-length hex/],
    ["no key", { hmacKey: undefined }, /hmacKey is required/],
    ["no basicAuth", { basicAuth: undefined }, /basicAuth is required.*basicAuth: false/],
    ["a decision timeout of 2 s", { decisionTimeoutMs: 2000 }, /below Adyen's 2000 ms/],
    ["no relayed handler", { onRelayedAuthentication: undefined }, /onRelayedAuthentication is required/],
    ["no result handler", { onAuthenticationResult: undefined }, /onAuthenticationResult is required/],
    ["an unknown environment", { environment: "prod" }, /"live" or "test"/],
  ])("refuses %s", (_name, override, message) => {
    expect(() => adyenAuthenticationWebhooks({ ...required, ...override } as never)).toThrow(SiglumeConfigurationError);
    expect(() => adyenAuthenticationWebhooks({ ...required, ...override } as never)).toThrow(message);
  });

  it("warns at start-up when failures would approve cardholders, or Basic auth is off", () => {
    const warnings: string[] = [];
    adyenAuthenticationWebhooks({
      ...required,
      basicAuth: false,
      unsafeProceedOnFailure: true,
      logger: { info() {}, warn: (message) => void warnings.push(message), error() {} },
    });
    expect(warnings).toEqual([expect.stringMatching(/Basic authentication is off/), expect.stringMatching(/approving a cardholder/)]);
  });
});
