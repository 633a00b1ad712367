import { derivedKey, fromBase64, secretKey, utf8Encode, type SecretKey } from "@siglume-middleware/core";

/** One api-key/api-secret pair from Pomelo's dashboard. */
export interface PomeloApiKey {
  /** The api key, sent as `X-Api-Key`; it selects the secret. */
  key: string | undefined;
  /** The api secret, base64, as Pomelo gives it. */
  secret: string | undefined;
}

/** A configured pair, decoded once at start-up. */
export interface PomeloSigningKey {
  /** The api key, as sent in `x-api-key`. */
  apiKey: string;
  /** HMAC key: the base64-decoded api secret. */
  key: SecretKey;
  /** The same secret used as text: only to recognise a signer that made that mistake. */
  asText: SecretKey;
  /**
   * Derived from the secret, never the secret itself: keys the body digests and
   * the idempotency keys of events without an id, so a store never holds a
   * brute-forceable hash of a body with a 6-digit code in it.
   */
  derived: SecretKey;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The first characters of an api key: enough to tell which one, never the whole. */
export const keyHint = (apiKey: string) => `${apiKey.slice(0, 4)}…`;

/**
 * Decodes the configured pairs, refusing at start-up what would reject every
 * webhook: no pair, an empty key, a secret that is not base64, a key twice.
 */
export function pomeloSigningKeys(pairs: readonly PomeloApiKey[] | undefined, fail: (message: string) => never): Map<string, PomeloSigningKey> {
  if (!Array.isArray(pairs) || pairs.length === 0) {
    fail("apiKeys is required: [{ key, secret }] with the api key and its base64 api secret from Pomelo (several during rotation).");
  }
  const keys = new Map<string, PomeloSigningKey>();
  pairs.forEach((pair, index) => {
    const where = `apiKeys[${index}]`;
    if (typeof pair?.key !== "string" || pair.key.trim() === "") fail(`${where}.key is required: the api key Pomelo sends as X-Api-Key.`);
    const apiKey = pair.key.trim();
    if (keys.has(apiKey)) fail(`${where}.key ${keyHint(apiKey)} is configured twice.`);
    const secret = typeof pair.secret === "string" ? pair.secret.trim() : "";
    const bytes = fromBase64(secret);
    if (secret === "" || !BASE64.test(secret) || bytes.length < 16) {
      fail(
        `${where}.secret (for api key ${keyHint(apiKey)}) is not a base64 api secret of at least 16 bytes. Copy the api ` +
          "secret exactly as Pomelo shows it; it is base64, and it is used decoded.",
      );
    }
    keys.set(apiKey, {
      apiKey,
      key: secretKey(bytes),
      asText: secretKey(utf8Encode(secret)),
      derived: derivedKey(secretKey(bytes), "siglume-middleware/pomelo/v1"),
    });
  });
  return keys;
}
