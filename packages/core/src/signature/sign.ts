import { createHmac } from "node:crypto";
import type { RawBody } from "../body/raw.js";
import { toRawBytes } from "../body/raw.js";

/** HMAC-SHA256(secret, "<t>." + body): the Siglume v1 scheme. */
export function computeSignature(secret: string, timestamp: number, body: Buffer | string): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * Returns a `Siglume-Signature` header value for `rawBody`, as Siglume would
 * send it. For tests, local tooling and emulators.
 */
export function signSiglumeWebhook(
  secret: string,
  rawBody: RawBody,
  options: { timestamp?: number } = {},
): string {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, toRawBytes(rawBody)).toString("hex")}`;
}
