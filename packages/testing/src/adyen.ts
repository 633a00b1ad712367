import { createHmac, randomUUID } from "node:crypto";
import { bodyBytes, merge, type DeepPartial } from "./body.js";

/** A delivery as Adyen sends it: the exact bytes, Basic auth and `HmacSignature`. */
export interface AdyenSignedRequest {
  /** The exact bytes that were signed. */
  body: Buffer;
  /** The same bytes as text, for supertest's .send(). */
  text: string;
  /**
   * The headers to send: the content type, Adyen's `hmacsignature`, and `authorization` when `basicAuth` was given.
   */
  headers: { "content-type": string; hmacsignature: string; authorization?: string };
}

/**
 * Options of `adyenSignedRequest`: the webhook's HMAC key (signs the payload as Adyen does), the Basic credentials to
 * send, and the content type.
 */
export interface AdyenSignedRequestOptions {
  /** The webhook's HMAC key, hex, as in the Customer Area. */
  hmacKey: string;
  /** Adds `Authorization: Basic …`; omit to send none. */
  basicAuth?: { username: string; password: string } | undefined;
  /** The `content-type` header. Default `application/json`. */
  contentType?: string | undefined;
}

/**
 * Serialises a payload (a string or bytes are sent as they are) and signs it
 * as Adyen does: base64 HMAC-SHA256 with the hex-decoded key over the exact
 * bytes, with Basic authentication.
 */
export function adyenSignedRequest(payload: object | string | Uint8Array, options: AdyenSignedRequestOptions): AdyenSignedRequest {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(options.hmacKey)) throw new TypeError("adyenSignedRequest: hmacKey must be hex, as in the Customer Area.");
  const body = bodyBytes(payload);
  const headers: AdyenSignedRequest["headers"] = {
    "content-type": options.contentType ?? "application/json",
    hmacsignature: createHmac("sha256", Buffer.from(options.hmacKey, "hex")).update(body).digest("base64"),
  };
  if (options.basicAuth) {
    const { username, password } = options.basicAuth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }
  return { body, text: body.toString("utf8"), headers };
}

const purchase = () => ({
  date: new Date().toISOString(),
  merchantName: "Test Merchant",
  originalAmount: { currency: "EUR", value: 1250 },
});

/** Adyen authentication payloads with fresh ids, shaped like Adyen's; overrides are merged deeply. */
export const adyenEvents = {
  /** `balancePlatform.authentication.relayed`: a decision is due within 2 s. */
  relayed(overrides?: DeepPartial<Record<string, unknown>>) {
    return merge(
      {
        id: `auth_${randomUUID().replaceAll("-", "")}`,
        paymentInstrumentId: "PI3227C223222B5BPCMFXD2XG",
        purchase: purchase(),
        environment: "test",
        timestamp: new Date().toISOString(),
        type: "balancePlatform.authentication.relayed",
      },
      overrides,
    );
  },
  /** `balancePlatform.authentication.created`: the outcome. */
  authenticationCreated(overrides?: DeepPartial<Record<string, unknown>>) {
    return merge(
      {
        type: "balancePlatform.authentication.created",
        environment: "test",
        timestamp: new Date().toISOString(),
        data: {
          id: `auth_${randomUUID().replaceAll("-", "")}`,
          paymentInstrumentId: "PI3227C223222B5BPCMFXD2XG",
          status: "authenticated",
          authentication: {
            acsTransId: randomUUID(),
            dsTransID: randomUUID(),
            threeDSServerTransID: randomUUID(),
            transStatus: "Y",
            type: "challenge",
            deviceChannel: "app",
            messageCategory: "payment",
            inPSD2Scope: true,
            challenge: { flow: "OOB_TRIGGER_FL", lastInteraction: new Date().toISOString() },
          },
          purchase: purchase(),
          balancePlatform: "YOUR_BALANCE_PLATFORM",
        },
      },
      overrides,
    );
  },
};
