import { hmac, hmacSync, secretKey, sha256, toBase64Url, utf8Encode } from "../platform/index.js";
import { andThen, type MaybePromise } from "../engine/maybe.js";
import type { SecretKey } from "../platform/contract.js";

const short = (digest: Uint8Array): string => toBase64Url(digest.subarray(0, 16));

/**
 * A short digest of a signed body (128 bits, base64url), recorded with the
 * claim so the same event id with another body is recognised. Keyed when a
 * body may carry a short secret (an OTP code): an unkeyed hash of it could be
 * brute-forced from the store. Best keyed by an app secret that outlives the
 * sender's key rotations (`digestKeyFrom`). Synchronous on Node; a Promise
 * where the runtime's crypto is WebCrypto.
 */
export function bodyDigest(body: Uint8Array | string, key?: SecretKey): MaybePromise<string> {
  return andThen(key !== undefined ? hmac(key, [body]) : sha256(body), short);
}

/** The fewest characters a `digestKey` option may have. */
export const MIN_DIGEST_KEY_LENGTH = 16;

/**
 * The key for `bodyDigest` from a provider's `digestKey` option: a secret of the app's own, so digests (and the
 * idempotency keys built from them) stay the same when the sender's keys rotate. `purpose` separates providers.
 * Undefined when the option is absent; `fail` when it is not a string of at least 16 characters.
 */
export function digestKeyFrom(value: unknown, purpose: string, fail: (message: string) => never): SecretKey | undefined {
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
  return derivedKey(secretKey(utf8Encode(value)), `siglume-middleware/${purpose}/digest/v1`);
}

/** A key derived from `parent` for one purpose (HMAC of the label), made once at start-up. */
export function derivedKey(parent: SecretKey, label: string): SecretKey {
  return secretKey(hmacSync(parent, [label]));
}
