import { hmac, hmacSync, secretKey, toHex, utf8Encode } from "../platform/index.js";
import type { MaybePromise, SecretKey } from "../platform/contract.js";
import type { RawBody } from "../body/raw.js";
import { toRawBytes } from "../body/raw.js";

/** A signing secret, or the key made from it once (which spares every HMAC the string-to-key step). */
export type SigningKey = string | SecretKey;

/** The HMAC key for a Siglume webhook secret (the secret's UTF-8 bytes). */
export function signingKey(secret: string): SecretKey {
  return secretKey(utf8Encode(secret));
}

const keyOf = (secret: SigningKey): SecretKey => (typeof secret === "string" ? signingKey(secret) : secret);

/** HMAC-SHA256(secret, "<t>." + body): the Siglume v1 scheme. Synchronous on every runtime. */
export function computeSignature(secret: SigningKey, timestamp: number, body: Uint8Array | string): Uint8Array {
  return hmacSync(keyOf(secret), [`${timestamp}.`, body]);
}

/** The same digest for a delivery: through WebCrypto (a Promise) off Node, synchronously on Node. */
export function deliverySignature(key: SecretKey, timestamp: number, body: Uint8Array | string): MaybePromise<Uint8Array> {
  return hmac(key, [`${timestamp}.`, body]);
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
  return `t=${timestamp},v1=${toHex(computeSignature(secret, timestamp, toRawBytes(rawBody)))}`;
}
