import * as crypto from "node:crypto";
import type { KeyObject } from "node:crypto";

// One-shot hashing (Node ≥ 20.12) skips the Hash object: this runs for every delivery.
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer | string, encoding: "buffer") => Buffer }).hash;

/**
 * A short digest of a signed body (128 bits, base64url), recorded with the
 * claim so the same event id with another body is recognised. Keyed when a
 * body may carry a short secret (an OTP code): an unkeyed hash of it could be
 * brute-forced from the store. Best keyed by an app secret that outlives the
 * sender's key rotations (`digestKeyFrom`).
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

/** The fewest characters a `digestKey` option may have. */
export const MIN_DIGEST_KEY_LENGTH = 16;

/**
 * The key for `bodyDigest` from a provider's `digestKey` option: a secret of the app's own, so digests (and the
 * idempotency keys built from them) stay the same when the sender's keys rotate. `purpose` separates providers.
 * Undefined when the option is absent; `fail` when it is not a string of at least 16 characters.
 */
export function digestKeyFrom(value: unknown, purpose: string, fail: (message: string) => never): KeyObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim().length < MIN_DIGEST_KEY_LENGTH) {
    fail(
      `digestKey must be a secret string of at least ${MIN_DIGEST_KEY_LENGTH} characters (e.g. 32 random bytes, base64), ` +
        "kept as long as the idempotency store's records.",
    );
  }
  if (value.trim() !== value) {
    // Used as given, a key read once with a trailing newline and once without would be two keys: every digest changes.
    fail("digestKey starts or ends with whitespace (a newline from a secrets file?). Remove it where the value is loaded.");
  }
  return crypto.createSecretKey(crypto.createHmac("sha256", value).update(`siglume-middleware/${purpose}/digest/v1`).digest());
}
