import { createHmac, randomUUID } from "node:crypto";
import { bodyBytes } from "./body.js";

/** A delivery as Pomelo sends it: the exact bytes and its X-Api-Key / X-Signature / X-Timestamp / X-Endpoint. */
export interface PomeloSignedRequest {
  /** The exact bytes that were signed. */
  body: Buffer;
  /** The same bytes as text, for supertest's `.send()`. */
  text: string;
  /**
   * The headers to send: the content type and Pomelo's signed `x-api-key`, `x-signature`, `x-timestamp` and
   * `x-endpoint`.
   */
  headers: { "content-type": string; "x-api-key": string; "x-signature": string; "x-timestamp": string; "x-endpoint": string };
}

/**
 * Options of `pomeloSignedRequest`: the api key and secret that sign it, the endpoint Pomelo signs, and the
 * timestamp.
 */
export interface PomeloSignedRequestOptions {
  /** The api key that names the key pair (sent as `x-api-key`). */
  apiKey: string;
  /** The api secret, base64, as Pomelo shows it. */
  apiSecret: string;
  /** The X-Endpoint to sign: the path the webhook is posted to. */
  endpoint: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number | undefined;
}

/**
 * Serialises a payload (strings and bytes are sent as they are) and signs it
 * as Pomelo does: `hmac-sha256 <base64>` of HMAC-SHA256 with the
 * base64-decoded api secret over timestamp + endpoint + body.
 */
export function pomeloSignedRequest(payload: object | string | Uint8Array, options: PomeloSignedRequestOptions): PomeloSignedRequest {
  const body = bodyBytes(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", Buffer.from(options.apiSecret, "base64"))
    .update(timestamp)
    .update(options.endpoint)
    .update(body)
    .digest("base64");
  return {
    body,
    text: body.toString("utf8"),
    headers: {
      "content-type": "application/json",
      "x-api-key": options.apiKey,
      "x-signature": `hmac-sha256 ${signature}`,
      "x-timestamp": timestamp,
      "x-endpoint": options.endpoint,
    },
  };
}

const id = (prefix: string) => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 24)}`;

/** Pomelo-shaped payloads (snake_case, prefixed ids) with fresh ids; overrides are merged over them. */
export const pomeloEvents = {
  /** A tokenization OTP: the code to deliver, its masked recipient and method. */
  otp(overrides: Record<string, unknown> = {}) {
    return {
      event_id: id("evt"),
      otp: String(100_000 + Math.floor(Math.random() * 900_000)),
      method: "SMS",
      recipient: "+54 9 11 ****-**21",
      card_id: id("crd"),
      user_id: id("usr"),
      token_origin: "APPLE_PAY",
      ...overrides,
    };
  },
  /** A token lifecycle update. */
  tokenUpdated(overrides: Record<string, unknown> = {}) {
    return {
      event_id: id("evt"),
      token_id: id("tkn"),
      status: "ACTIVATED",
      card_id: id("crd"),
      user_id: id("usr"),
      ...overrides,
    };
  },
};
