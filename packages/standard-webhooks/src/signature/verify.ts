import {
  SiglumeWebhookError,
  andThen,
  byteLength,
  configurationFailure,
  equalBytes,
  hmac,
  hmacSync,
  toBase64,
  utf8Decode,
  verifyEd25519,
  type HashInput,
  type HeaderReader,
  type MaybePromise,
  type SecretKey,
} from "@siglume-middleware/core";
import { SVIX_HEADERS, parseSignatures, readStandardHeaders, type ParsedSignatures, type StandardHeaderValues } from "./headers.js";
import { standardPublicKeys, standardSecrets, type StandardPublicKey, type StandardSecret } from "./keys.js";

/** The spec's default window for `webhook-timestamp`, both directions. */
export const DEFAULT_STANDARD_TOLERANCE_SECONDS = 300;

/** Bodies past this size skip the mismatch diagnosis: it re-hashes variants of the body. */
const DIAGNOSIS_LIMIT = 8 * 1024;

/** The keys a receiver verifies with, decoded once (`standardSecrets`, `standardPublicKeys`). */
export interface StandardVerificationKeys {
  /** The symmetric secrets, each verifying `v1` entries. */
  secrets: readonly StandardSecret[];
  /** The Ed25519 public keys, each verifying `v1a` entries. */
  publicKeys: readonly StandardPublicKey[];
}

/** What a verified delivery carried. */
export interface VerifiedStandardWebhook {
  /** webhook-id (or svix-id): the event's id, the same on every redelivery. */
  id: string;
  /** webhook-timestamp, unix seconds: when this attempt was signed. */
  timestamp: number;
  /** Which kind of signature matched: `v1` (HMAC-SHA256, a whsec_ secret) or `v1a` (ed25519, a whpk_ key). */
  scheme: "v1" | "v1a";
  /** Which header set carried it: `webhook-*` or `svix-*`. */
  headers: "webhook" | "svix";
}

function unauthorized(code: string, message: string): never {
  throw new SiglumeWebhookError(code, message, { status: 401 });
}

/** The signed content: `${id}.${timestamp}.${body}`, as parts (nothing is concatenated on Node). */
const signedParts = (id: string, timestamp: string, body: HashInput): HashInput[] => [id, ".", timestamp, ".", body];

/**
 * The index of the first item `test` accepts, or -1: synchronously while every answer is synchronous (Node),
 * one after another through Promises where they are (WebCrypto).
 */
function firstMatch<T>(items: readonly T[], test: (item: T) => MaybePromise<boolean>, from = 0): MaybePromise<number> {
  for (let i = from; i < items.length; i++) {
    const answer = test(items[i]!);
    if (answer instanceof Promise) return answer.then((ok) => (ok ? i : firstMatch(items, test, i + 1)));
    if (answer) return i;
  }
  return -1;
}

/**
 * Verifies a delivery the Standard Webhooks way, over the exact bytes: the headers (`webhook-*`, or `svix-*`),
 * then any `v1` entry of the signature list against any secret, or any `v1a` entry against any public key
 * (constant-time comparison), then the timestamp window. Each failure throws a `SiglumeWebhookError` with
 * its own code; a mismatch says what the list held and which mistake it sees.
 */
export function verifyStandardRequest(
  body: Uint8Array | string,
  header: HeaderReader,
  keys: StandardVerificationKeys,
  options: { toleranceSeconds: number; now: number },
): MaybePromise<VerifiedStandardWebhook> {
  const values = readStandardHeaders(header);
  const signatures = parseSignatures(values.signature);
  const parts = signedParts(values.id, values.timestamp, body);
  const matchedV1 =
    signatures.v1.length === 0
      ? -1
      : firstMatch(keys.secrets, (secret) =>
          andThen(hmac(secret.key, parts), (expected) => {
            let found = false;
            for (const given of signatures.v1) found = equalBytes(expected, given) || found;
            return found;
          }),
        );
  return andThen(matchedV1, (v1Index) => {
    if (v1Index >= 0) return checkTime(values, "v1", options);
    const pairs = signatures.v1a.length === 0 ? [] : keys.publicKeys.flatMap((key) => signatures.v1a.map((signature) => ({ key, signature })));
    return andThen(
      firstMatch(pairs, ({ key, signature }) => verifyEd25519(key.key, signature, parts)),
      (v1aIndex) => {
        if (v1aIndex < 0) unauthorized("STANDARD_WEBHOOK_SIGNATURE_MISMATCH", mismatchMessage(values, signatures, keys, body));
        return checkTime(values, "v1a", options);
      },
    );
  });
}

/** After the signature: the timestamp window, both directions. */
function checkTime(values: StandardHeaderValues, scheme: "v1" | "v1a", options: { toleranceSeconds: number; now: number }): VerifiedStandardWebhook {
  const timestamp = Number(values.timestamp);
  const skew = options.now - timestamp;
  if (Math.abs(skew) > options.toleranceSeconds) {
    unauthorized(
      "STANDARD_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE",
      `${values.names.timestamp} is ${Math.abs(skew)} s ${skew > 0 ? "in the past" : "in the future"}, beyond the ` +
        `${options.toleranceSeconds} s tolerance. Check this server's clock (NTP); a replayed old request also fails here ` +
        "(a redelivery is signed afresh, with a new timestamp).",
    );
  }
  return { id: values.id, timestamp, scheme, headers: values.names === SVIX_HEADERS ? "svix" : "webhook" };
}

/** What a failed signature check tells the sender's operator: what the list held, and the likely cause. */
function mismatchMessage(values: StandardHeaderValues, signatures: ParsedSignatures, keys: StandardVerificationKeys, body: Uint8Array | string): string {
  const header = values.names.signature;
  const { v1, v1a, entries } = signatures;
  const held = `${header} holds ${entries.length} ${entries.length === 1 ? "entry" : "entries"} (${v1.length} well-formed v1, ${v1a.length} well-formed v1a)`;
  if (v1.length === 0 && v1a.length === 0) {
    return (
      `${held}: no v1 entry ("v1,<base64 HMAC-SHA256>", space-separated) and no v1a entry. Forward the header ` +
      "unchanged; a signer of your own must write v1 followed by a comma and the base64 signature."
    );
  }
  const reasons: string[] = [];
  if (v1.length > 0) {
    if (keys.secrets.length === 0) reasons.push("it is signed with a whsec_ secret (v1) but only publicKey is configured: add the secret");
    else reasons.push(`no v1 entry matches the configured secret${keys.secrets.length > 1 ? "s" : ""}. ${diagnose(values, v1, keys.secrets, body)}`);
  }
  if (v1a.length > 0) {
    if (keys.publicKeys.length === 0) reasons.push("it is signed with an ed25519 key (v1a) but no publicKey is configured: add the sender's whpk_ key");
    else {
      reasons.push(
        `no v1a entry verifies with the configured public key${keys.publicKeys.length > 1 ? "s" : ""} ` +
          `(${keys.publicKeys.map((key) => key.hint).join(", ")}): a wrong key, or the body changed after signing`,
      );
    }
  }
  const both = values.otherSetPresent
    ? " (svix-signature was there too and was not read: when both sets are present the webhook-* headers are verified)"
    : "";
  const explained = reasons.join("; ");
  return `${held}, and ${explained}${explained.endsWith(".") ? "" : "."}${both}`;
}

/** On a v1 mismatch only: which mistake explains it (variants re-hashed synchronously, bodies up to 8 KB). */
function diagnose(values: StandardHeaderValues, given: readonly Uint8Array[], secrets: readonly StandardSecret[], body: Uint8Array | string): string {
  const fallback =
    "Likely causes: a wrong secret (each endpoint has its own whsec_ secret, and test and live ones differ), the " +
    "whsec_ prefix decoded as part of the key, or a body changed after it was signed (re-serialised JSON, a proxy " +
    "that re-encodes bodies).";
  if (byteLength(body) > DIAGNOSIS_LIMIT) return fallback;
  const matches = (key: SecretKey, parts: HashInput[]) => {
    const digest = hmacSync(key, parts);
    return given.some((signature) => equalBytes(digest, signature));
  };
  const parts = signedParts(values.id, values.timestamp, body);
  for (const secret of secrets) {
    if (secret.prefixDecoded !== undefined && matches(secret.prefixDecoded, parts)) {
      return (
        "It was made with the whole secret base64-decoded, whsec_ prefix included. The key is the base64 after whsec_; " +
        "whatever signed this request (a test tool, a relay) has that mistake."
      );
    }
    if (matches(secret.asText, parts)) {
      return (
        "It was made with the secret's characters as the key instead of the bytes base64-decoded after whsec_; whatever " +
        "signed this request (a test tool, a relay) has that mistake."
      );
    }
    if (matches(secret.key, [body])) {
      return `It was made over the body alone; Standard Webhooks sign "${values.names.id}.${values.names.timestamp}.body".`;
    }
  }
  const text = typeof body === "string" ? body : utf8Decode(body);
  try {
    const reserialised = JSON.stringify(JSON.parse(text));
    if (reserialised !== text && secrets.some((secret) => matches(secret.key, signedParts(values.id, values.timestamp, reserialised)))) {
      return (
        "The body was re-serialised after it was signed (its whitespace or escapes changed). Verify the raw bytes as " +
        "received: mount the webhook route before any JSON body parser, and let no proxy re-encode the body."
      );
    }
  } catch {
    // Not JSON: nothing to re-serialise.
  }
  return fallback;
}

/** Options of the function API (`verifyStandardWebhook`). */
export interface VerifyStandardWebhookOptions {
  /** whsec_… secret(s); bare base64 is accepted too. */
  secret?: string | readonly string[] | undefined;
  /** whpk_… ed25519 public key(s), for v1a signatures. */
  publicKey?: string | readonly string[] | undefined;
  /** Default 300 s. */
  toleranceSeconds?: number | undefined;
  /** Unix seconds to check the timestamp against (tests); default now. */
  now?: number | undefined;
}

/**
 * Verifies one delivery without the engine (no idempotency): `await verifyStandardWebhook(rawBody, headers, { secret })`.
 * `headers` is a plain object (lower-case names, as Node gives them), a fetch `Headers`, or a reader. Resolves to what was verified;
 * rejects with a `SiglumeWebhookError` (`code`, `status`) otherwise. The keys are decoded on every call: a receiver
 * mounts `standardWebhooks()` instead, which decodes them once.
 */
export async function verifyStandardWebhook(
  body: Uint8Array | string,
  headers: Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null } | HeaderReader,
  options: VerifyStandardWebhookOptions,
): Promise<VerifiedStandardWebhook> {
  const fail = configurationFailure("standard-webhooks");
  const keys = { secrets: standardSecrets(options.secret, fail), publicKeys: standardPublicKeys(options.publicKey, fail) };
  if (keys.secrets.length === 0 && keys.publicKeys.length === 0) fail("secret or publicKey is required.");
  const header: HeaderReader =
    typeof headers === "function"
      ? headers
      : typeof headers.get === "function"
        ? (name) => (headers as { get(name: string): string | null }).get(name) ?? undefined
        : (name) => (headers as Readonly<Record<string, string | string[] | undefined>>)[name];
  return verifyStandardRequest(body, header, keys, {
    toleranceSeconds: options.toleranceSeconds ?? DEFAULT_STANDARD_TOLERANCE_SECONDS,
    now: options.now ?? Math.floor(Date.now() / 1000),
  });
}

/**
 * A `v1,<base64>` signature of `${id}.${timestamp}.${body}` with a whsec_ secret (or bare base64), synchronously on
 * every runtime: for tests, and for senders of your own. Several entries for a rotation are joined with a space.
 */
export function signStandardWebhook(secret: string, id: string, timestamp: number | string, body: Uint8Array | string): string {
  const [decoded] = standardSecrets(secret, configurationFailure("standard-webhooks"));
  return `v1,${toBase64(hmacSync(decoded!.key, signedParts(id, String(timestamp), body)))}`;
}
