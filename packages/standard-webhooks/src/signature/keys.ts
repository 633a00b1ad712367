import { ed25519PublicKey, fromBase64, secretKey, utf8Encode, type PublicKey, type SecretKey } from "@siglume-middleware/core";

/** The prefix of a symmetric signing secret, as senders show it. */
export const SECRET_PREFIX = "whsec_";
/** The prefix of an ed25519 public key (`v1a` signatures). */
export const PUBLIC_KEY_PREFIX = "whpk_";
/** The prefix of an ed25519 signing (private) key: the sender's, never a receiver's. */
export const SIGNING_KEY_PREFIX = "whsk_";

/** The fewest bytes a decoded secret may have (the spec asks senders for at least 24). */
export const MIN_SECRET_BYTES = 16;

/** One configured `whsec_` secret, decoded once at start-up. */
export interface StandardSecret {
  /** Its place in `secret` (safe to show: the secret itself never is). */
  index: number;
  /** The HMAC key: the bytes base64-decoded after `whsec_`. */
  key: SecretKey;
  /** The same secret's characters used as the key: only to recognise a signer that made that mistake. */
  asText: SecretKey;
  /** The whole string, `whsec_` included, base64-decoded (what `Buffer.from(secret, "base64")` gives): the same. */
  prefixDecoded: SecretKey | undefined;
}

/** One configured `whpk_` public key. */
export interface StandardPublicKey {
  /** Its position in the `publicKey` option, for messages. */
  index: number;
  /** The Ed25519 public key, prepared once. */
  key: PublicKey;
  /** The first characters, enough to tell which (a public key is not secret). */
  hint: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const listOf = (value: string | readonly string[] | undefined): readonly unknown[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : Array.isArray(value) ? value : [value];

/**
 * Decodes `secret` (one `whsec_…` string, or several during a rotation; bare base64 is accepted too),
 * refusing at start-up what would reject every webhook: an empty or non-base64 secret, one too short,
 * or a key of the other kind pasted in its place.
 */
export function standardSecrets(secret: string | readonly string[] | undefined, fail: (message: string) => never): StandardSecret[] {
  return listOf(secret).map((value, index) => {
    const where = typeof secret === "string" ? "secret" : `secret[${index}]`;
    if (typeof value !== "string" || value.trim() === "") fail(`${where} is empty: pass the whsec_… signing secret from the sender's dashboard.`);
    const text = value.trim();
    if (text.startsWith(PUBLIC_KEY_PREFIX)) fail(`${where} is a public key (whpk_…): pass it as publicKey; secret takes whsec_… secrets.`);
    if (text.startsWith(SIGNING_KEY_PREFIX)) {
      fail(
        `${where} is an ed25519 signing key (whsk_…): that is the sender's private key. Configure its public key (whpk_…) ` +
          "as publicKey instead, and keep whsk_ keys out of receivers.",
      );
    }
    const prefixed = text.startsWith(SECRET_PREFIX);
    const encoded = prefixed ? text.slice(SECRET_PREFIX.length) : text;
    const bytes = BASE64.test(encoded) ? fromBase64(encoded) : undefined;
    if (bytes === undefined || bytes.length < MIN_SECRET_BYTES) {
      fail(
        `${where} is not a Standard Webhooks secret: "whsec_" followed by base64 of at least ${MIN_SECRET_BYTES} bytes (or the ` +
          "base64 alone). Copy it exactly as the sender shows it.",
      );
    }
    return {
      index,
      key: secretKey(bytes),
      asText: secretKey(utf8Encode(text)),
      prefixDecoded: prefixed ? secretKey(fromBase64(text)) : undefined,
    };
  });
}

/** Decodes `publicKey` (`whpk_…`, or bare base64 of the 32-byte ed25519 key; several during a rotation). */
export function standardPublicKeys(publicKey: string | readonly string[] | undefined, fail: (message: string) => never): StandardPublicKey[] {
  return listOf(publicKey).map((value, index) => {
    const where = typeof publicKey === "string" ? "publicKey" : `publicKey[${index}]`;
    if (typeof value !== "string" || value.trim() === "") fail(`${where} is empty: pass the sender's whpk_… public key.`);
    const text = value.trim();
    if (text.startsWith(SECRET_PREFIX)) fail(`${where} is a signing secret (whsec_…): pass it as secret; publicKey takes whpk_… keys.`);
    if (text.startsWith(SIGNING_KEY_PREFIX)) {
      fail(`${where} is an ed25519 signing key (whsk_…), the sender's private key: configure its public key (whpk_…) instead.`);
    }
    const encoded = text.startsWith(PUBLIC_KEY_PREFIX) ? text.slice(PUBLIC_KEY_PREFIX.length) : text;
    const bytes = BASE64.test(encoded) ? fromBase64(encoded) : undefined;
    const problem = `${where} is not an ed25519 public key: "whpk_" followed by the base64 of its 32 bytes.`;
    if (bytes === undefined || bytes.length !== 32) fail(problem);
    let key: PublicKey;
    try {
      key = ed25519PublicKey(bytes);
    } catch {
      return fail(problem);
    }
    return { index, key, hint: `${text.slice(0, PUBLIC_KEY_PREFIX.length + 4)}…` };
  });
}
