import { signSiglumeWebhook, type SiglumeEvent } from "@siglume-middleware/core";
import { bodyBytes } from "./body.js";

/**
 * A signed delivery ready to send with any HTTP client: the exact body bytes (and as text) and the headers,
 * `siglume-signature` included.
 */
export interface SignedRequest {
  /** The exact bytes that were signed. */
  body: Buffer;
  /** The same bytes as text, for supertest's .send() (which would JSON-encode a Buffer). */
  text: string;
  /** The headers to send: the content type and the `siglume-signature` over the body. */
  headers: { "content-type": string; "siglume-signature": string };
}

/**
 * Options of `signedRequest`: the secret (default `SIGLUME_WEBHOOK_SECRET`), the timestamp (to test tolerance) and
 * the content type.
 */
export interface SignedRequestOptions {
  /** Defaults to SIGLUME_WEBHOOK_SECRET. */
  secret?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** The `content-type` header. Default `application/json`. */
  contentType?: string;
}

/**
 * Serialises and signs an event as Siglume would. Use with supertest
 * (`.set(r.headers).send(r.text)`) or fetch (`{ method: "POST", headers: r.headers, body: r.body }`).
 */
export function signedRequest(event: SiglumeEvent | string | Uint8Array, options: SignedRequestOptions = {}): SignedRequest {
  const secret = options.secret ?? process.env.SIGLUME_WEBHOOK_SECRET;
  if (!secret) throw new TypeError("signedRequest needs a secret: pass { secret } or set SIGLUME_WEBHOOK_SECRET.");
  const body = bodyBytes(event);
  return {
    body,
    text: body.toString("utf8"),
    headers: {
      "content-type": options.contentType ?? "application/json",
      "siglume-signature": signSiglumeWebhook(secret, body, { timestamp: options.timestamp }),
    },
  };
}
