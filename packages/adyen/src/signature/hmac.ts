import {
  isBlank,
  trimmed,
  SiglumeWebhookError,
  all,
  byteLength,
  equalBytes,
  fromBase64,
  fromHex,
  hmac,
  hmacSync,
  secretKey,
  andThen,
  toBase64,
  toHex,
  utf8Decode,
  utf8Encode,
  type MaybePromise,
  type SecretKey,
} from "@siglume-middleware/core";

/** The header Adyen signs Balance Platform webhooks in (lower case, as Node gives headers). */
export const HMAC_HEADER = "hmacsignature";

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** An HMAC key from the Customer Area, decoded once, with the check value that names it in logs. */
export interface AdyenHmacKey {
  /** The HMAC-SHA256 key: the hex key decoded, prepared once. */
  key: SecretKey;
  /** Key check value: last 3 bytes, upper-case hex, of HMAC-SHA256(key, "00000000"). Safe to log. */
  kcv: string;
  /** The same hex used as text: only to recognise a signer that made that mistake. */
  asText: SecretKey;
}

/**
 * Decodes the configured hex keys (several during rotation), refusing at
 * start-up anything that is not even-length hex: a key pasted as text or
 * base64 would reject every webhook.
 */
export function adyenHmacKeys(keys: string | readonly string[] | undefined, fail: (message: string) => never): AdyenHmacKey[] {
  const list = typeof keys === "string" ? [keys] : [...(keys ?? [])];
  if (list.length === 0 || list.some((key) => typeof key !== "string" || key === "")) {
    fail("hmacKey is required: the hex HMAC key of this webhook in Adyen's Customer Area (several during rotation).");
  }
  return list.map((hex, index) => {
    if (!HEX.test(hex)) {
      fail(
        `hmacKey${list.length > 1 ? `[${index}]` : ""} is not even-length hex (${hex.length} characters). Copy the ` +
          "HMAC key exactly as the Customer Area shows it; it is hex, not text or base64.",
      );
    }
    const key = secretKey(fromHex(hex));
    return { key, kcv: keyCheckValue(key), asText: secretKey(utf8Encode(hex)) };
  });
}

/** Adyen's key check value: lets logs say which key is configured without showing it. */
export function keyCheckValue(key: SecretKey | string): string {
  const material = typeof key === "string" ? secretKey(fromHex(key)) : key;
  return toHex(hmacSync(material, ["00000000"]).subarray(-3)).toUpperCase();
}

/** base64 HMAC-SHA256 of the exact bytes with the hex-decoded key, as Adyen computes `HmacSignature`. */
export function signAdyenPayload(body: Uint8Array | string, hexKey: string): string {
  return toBase64(hmacSync(secretKey(fromHex(hexKey)), [body]));
}

/** Bodies past this size skip the mismatch diagnosis: it re-hashes variants of the body. */
const DIAGNOSIS_LIMIT = 8 * 1024; // re-parsing a deeply nested 64 KB body blocks the event loop for ~15 ms

/**
 * Checks `HmacSignature` against every configured key, in constant time per
 * key. On a mismatch it tells the likely cause where it can: a body that
 * was re-serialised after Adyen signed it (Adyen escapes "/" as "\/"), a
 * signer that used the key as text, or a key that is not this webhook's.
 */
export function verifyAdyenHmac(
  body: Uint8Array | string,
  header: string | string[] | undefined,
  keys: readonly AdyenHmacKey[],
): MaybePromise<void> {
  if (typeof header !== "string" || isBlank(header)) {
    throw new SiglumeWebhookError(
      "ADYEN_HMAC_MISSING",
      "No HmacSignature header on the request. Enable HMAC signing for this webhook in the Customer Area (and " +
        "check that no proxy in front of this app strips the header).",
      { status: 401 },
    );
  }
  const given = fromBase64(trimmed(header));
  if (given.length !== 32) return mismatch(body, given, keys);
  const parts = [body];
  if (keys.length === 1) return andThen(hmac(keys[0]!.key, parts), (digest) => (equalBytes(digest, given) ? undefined : mismatch(body, given, keys)));
  return andThen(all(keys.map(({ key }) => hmac(key, parts))), (digests) => {
    let matched = false;
    for (const digest of digests) if (equalBytes(digest, given)) matched = true; // every key compared, in constant time each
    return matched ? undefined : mismatch(body, given, keys);
  });
}

function mismatch(body: Uint8Array | string, given: Uint8Array, keys: readonly AdyenHmacKey[]): never {
  throw new SiglumeWebhookError("ADYEN_HMAC_MISMATCH", `HmacSignature does not match the body. ${diagnose(body, given, keys)}`, {
    status: 401,
  });
}

/** On a mismatch only: which mistake explains it (variants re-hashed synchronously, bodies up to 8 KB). */
function diagnose(body: Uint8Array | string, given: Uint8Array, keys: readonly AdyenHmacKey[]): string {
  const rotation =
    `Configured keys (check values): ${keys.map((k) => k.kcv).join(", ")}. If the key was rotated in the Customer ` +
    "Area, configure the new and the old key (hmacKey: [newKey, oldKey]) until every webhook is signed with the new one.";
  const size = byteLength(body);
  if (given.length !== 32) return `The header is not a base64 HMAC-SHA256 (it decodes to ${given.length} bytes). ${rotation}`;
  if (size > DIAGNOSIS_LIMIT) return `Likely causes: the body was changed after Adyen signed it, or a wrong key. ${rotation}`;
  const matches = (variant: string, asText = false) =>
    keys.some((k) => equalBytes(hmacSync(asText ? k.asText : k.key, [variant]), given));
  const text = typeof body === "string" ? body : utf8Decode(body);
  if (matches(text.replaceAll("/", "\\/"))) {
    return (
      'The body was re-serialised after Adyen signed it: Adyen escapes "/" as "\\/", and these bytes have a plain ' +
      '"/". Verify the raw bytes as received: mount the webhook route before any JSON body parser, and let no ' +
      "proxy re-encode the body."
    );
  }
  try {
    if (matches(JSON.stringify(JSON.parse(text)))) {
      return (
        "The body was re-serialised after Adyen signed it (its whitespace or escapes changed). Verify the raw bytes " +
        "as received: mount the webhook route before any JSON body parser, and let no proxy re-encode the body."
      );
    }
  } catch {
    // Not JSON: nothing to re-serialise.
  }
  if (matches(text, true)) {
    return (
      "The signature was made with the HMAC key used as text instead of its hex-decoded bytes. Adyen signs with the " +
      "decoded key; whatever signed this request (a test tool, a relay) has that mistake."
    );
  }
  return `Likely causes: a key that is not this webhook's, or a body changed after Adyen signed it. ${rotation}`;
}
