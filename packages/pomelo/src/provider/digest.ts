import { andThen, hmacSync, sha256, toBase64Url, utf8Encode, type MaybePromise, type SecretKey } from "@siglume-middleware/core";

/**
 * The version mark every Pomelo body digest starts with. Version 2 (this one): `v2_` and base64url of the first 16
 * bytes of SHA-256 over a 32-byte secret prefix and the body, one hash per delivery (25 characters, all base64url).
 * Version 1 (unmarked, 22 characters, never published) was an HMAC of the body; a store holding version-1 digests
 * takes them for other bodies.
 */
export const POMELO_DIGEST_VERSION = "v2_";

const PREFIX_LABEL = "siglume-middleware/pomelo/digest-prefix/v2";

/**
 * The secret prefix of the body digests, derived once at start-up from the provider's digest key (`digestKey`, else
 * the first api pair's derived key): never the key itself.
 */
export function pomeloDigestPrefix(identity: SecretKey): Uint8Array {
  return hmacSync(identity, [PREFIX_LABEL]);
}

/**
 * The digest of a signed body recorded with its claim (and, for an event without an id, its idempotency key):
 * keyed by the secret prefix, so a store never holds a hash of a body with a 6-digit code in it that could be
 * brute-forced; truncated to 128 bits, which also leaves nothing to extend. Synchronous on Node.
 */
export function pomeloBodyDigest(body: Uint8Array | string, prefix: Uint8Array): MaybePromise<string> {
  const bytes = typeof body === "string" ? utf8Encode(body) : body;
  const data = new Uint8Array(prefix.length + bytes.length);
  data.set(prefix);
  data.set(bytes, prefix.length);
  return andThen(sha256(data), (digest) => POMELO_DIGEST_VERSION + toBase64Url(digest.subarray(0, 16)));
}
