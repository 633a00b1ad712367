import { createHash, createHmac, type KeyObject } from "node:crypto";

/**
 * A short digest of a signed body (128 bits, base64url), recorded with the
 * claim so the same event id with another body is recognised. Keyed when a
 * body may carry a short secret (an OTP code): an unkeyed hash of it could be
 * brute-forced from the store. Never derived from the signing secret, so it
 * stays the same across secret rotation.
 */
export function bodyDigest(body: Buffer | string, key?: KeyObject): string {
  const hash = key === undefined ? createHash("sha256") : createHmac("sha256", key);
  return hash.update(body).digest().subarray(0, 16).toString("base64url");
}
