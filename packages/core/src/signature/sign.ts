import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { RawBody } from "../body/raw.js";
import { toRawBytes } from "../body/raw.js";

/** A signing secret as a KeyObject: made once, it spares every HMAC the string-to-key conversion. */
export type SigningKey = string | KeyObject;

export function signingKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, "utf8"));
}

/** HMAC-SHA256(secret, "<t>." + body): the Siglume v1 scheme. */
export function computeSignature(secret: SigningKey, timestamp: number, body: Buffer | string): Buffer {
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
