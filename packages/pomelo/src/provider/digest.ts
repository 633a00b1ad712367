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

/** Bodies up to this size are hashed in a buffer kept by the digester; larger ones in one of their own. */
const KEPT_BUFFER_LIMIT = 64 * 1024;

/**
 * The digest of a signed body recorded with its claim (and, for an event without an id, its idempotency key), as a
 * function made once per provider: keyed by the secret prefix, so a store never holds a hash of a body with a
 * 6-digit code in it that could be brute-forced; truncated to 128 bits, which also leaves nothing to extend.
 * Synchronous on Node, a Promise through WebCrypto.
 */
export function pomeloBodyDigester(prefix: Uint8Array): (body: Uint8Array | string) => MaybePromise<string> {
  // Prefix and body are hashed from one buffer, reused while it fits: the hash has read it when it returns (WebCrypto
  // copies its input when called), so the body is wiped at once and the next delivery may use it.
  let kept = new Uint8Array(0);
  return (body) => {
    const bytes = typeof body === "string" ? utf8Encode(body) : body;
    const length = prefix.length + bytes.length;
    let data = kept;
    if (data.length < length) {
      data = new Uint8Array(Math.max(length, 1024));
      data.set(prefix);
      if (length <= KEPT_BUFFER_LIMIT) kept = data;
    }
    data.set(bytes, prefix.length);
    const digest = sha256(data.subarray(0, length));
    data.fill(0, prefix.length, length); // the body (an OTP code) is not kept past its delivery
    return andThen(digest, short);
  };
}

const short = (digest: Uint8Array) => POMELO_DIGEST_VERSION + toBase64Url(digest.subarray(0, 16));
