import * as crypto from "node:crypto";
import type { KeyObject } from "node:crypto";

// One-shot hashing (Node ≥ 20.12) skips the Hash object: this runs for every delivery.
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer | string, encoding: "buffer") => Buffer }).hash;

/**
 * A short digest of a signed body (128 bits, base64url), recorded with the
 * claim so the same event id with another body is recognised. Keyed when a
 * body may carry a short secret (an OTP code): an unkeyed hash of it could be
 * brute-forced from the store. Never derived from the signing secret, so it
 * stays the same across secret rotation.
 */
export function bodyDigest(body: Buffer | string, key?: KeyObject): string {
  const digest =
    key !== undefined
      ? crypto.createHmac("sha256", key).update(body).digest()
      : oneShot !== undefined
        ? oneShot("sha256", body, "buffer")
        : crypto.createHash("sha256").update(body).digest();
  return digest.subarray(0, 16).toString("base64url");
}
