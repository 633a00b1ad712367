import {
  SiglumeWebhookError,
  byteLength,
  isDigits,
  trimmed,
  equalBytes,
  fromBase64,
  hmac,
  hmacSync,
  secretKey,
  andThen,
  toBase64,
  utf8Decode,
  type HashInput,
  type MaybePromise,
  type SecretKey,
} from "@siglume-middleware/core";
import { keyHint, type PomeloSigningKey } from "./keys.js";

/**
 * The headers Pomelo signs a webhook with: `x-api-key` names the key pair, `x-signature` is the HMAC over timestamp,
 * endpoint and body, `x-timestamp` and `x-endpoint` are signed with it.
 */
export const POMELO_HEADERS = {
  apiKey: "x-api-key",
  signature: "x-signature",
  timestamp: "x-timestamp",
  endpoint: "x-endpoint",
} as const;

const PREFIX = "hmac-sha256 ";
/** Bodies past this size skip the mismatch diagnosis: it re-hashes variants of the body. */
const DIAGNOSIS_LIMIT = 8 * 1024; // re-parsing a deeply nested 64 KB body blocks the event loop for ~15 ms

/** `hmac-sha256 <base64>` over timestamp + endpoint + body, keyed with the base64-decoded api secret. Synchronous. */
export function signPomelo(secret: string | SecretKey, timestamp: number | string, endpoint: string, body: Uint8Array | string): string {
  const key = typeof secret === "string" ? secretKey(fromBase64(secret)) : secret;
  return PREFIX + toBase64(hmacSync(key, [String(timestamp), endpoint, body]));
}

/** The same signature for an answer: synchronous on Node, through WebCrypto elsewhere. */
export function signPomeloAnswer(key: SecretKey, timestamp: number, endpoint: string, body: string): MaybePromise<string> {
  return andThen(hmac(key, [String(timestamp), endpoint, body]), (digest) => PREFIX + toBase64(digest));
}

function refuse(code: string, message: string): never {
  throw new SiglumeWebhookError(code, message, { status: 401 });
}

/** What a verified Pomelo request proved: which key pair signed it, when, and for which endpoint. */
export interface VerifiedPomeloRequest {
  /** The key pair whose secret verified the signature (named by `x-api-key`). */
  signer: PomeloSigningKey;
  /** X-Timestamp, unix seconds. */
  timestamp: number;
  /** X-Endpoint, the path Pomelo signed. */
  endpoint: string;
}

const single = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

/**
 * Pomelo's checks, in this order: an api key we know, a signature over the
 * exact bytes (before anything about time or paths, so an unsigned request
 * learns nothing), the endpoint it was signed for, and the timestamp window.
 * Each failure has its own code; a mismatch says which mistake it sees.
 */
export function verifyPomeloRequest(
  body: Uint8Array | string,
  header: (name: string) => string | string[] | undefined,
  keys: ReadonlyMap<string, PomeloSigningKey>,
  options: { endpoints: readonly string[]; toleranceSeconds: number; now: number },
): MaybePromise<VerifiedPomeloRequest> {
  const apiKey = single(header(POMELO_HEADERS.apiKey));
  const signature = single(header(POMELO_HEADERS.signature));
  const timestampText = single(header(POMELO_HEADERS.timestamp));
  const endpoint = single(header(POMELO_HEADERS.endpoint));
  if (apiKey === undefined || signature === undefined || timestampText === undefined || endpoint === undefined) {
    const missing = [
      apiKey === undefined && "X-Api-Key",
      signature === undefined && "X-Signature",
      timestampText === undefined && "X-Timestamp",
      endpoint === undefined && "X-Endpoint",
    ].filter(Boolean);
    refuse(
      "POMELO_SIGNATURE_HEADERS_MISSING",
      `No ${missing.join(", ")} header on the request. Pomelo signs every webhook with X-Api-Key, X-Signature, ` +
        "X-Timestamp and X-Endpoint; a proxy in front of this app may be stripping them.",
    );
  }
  // The key as sent first: trimmed (a new string to hash) only when that misses.
  const signer = keys.get(apiKey) ?? keys.get(apiKey.trim());
  if (signer === undefined) {
    refuse(
      "POMELO_API_KEY_UNKNOWN",
      `X-Api-Key ${keyHint(apiKey.trim())} is not one of the configured api keys. Add its pair to apiKeys (keep the old ` +
        "one during a rotation), or check that this endpoint is registered with the right Pomelo account.",
    );
  }

  // The prefix in any case; the common spelling is checked without lower-casing the whole header.
  const prefixed = signature.startsWith(PREFIX) || signature.slice(0, PREFIX.length).toLowerCase() === PREFIX;
  const given = prefixed ? fromBase64(trimmed(signature.slice(PREFIX.length))) : undefined;
  if (given === undefined || given.length !== 32) {
    refuse("POMELO_SIGNATURE_MALFORMED", 'X-Signature is not "hmac-sha256 <base64 HMAC-SHA256>". Forward the header unchanged.');
  }
  return andThen(hmac(signer.key, [timestampText, endpoint, body]), (expected) => {
    if (!equalBytes(expected, given)) {
      refuse("POMELO_SIGNATURE_MISMATCH", `X-Signature does not match. ${diagnose(body, given, signer, timestampText, endpoint)}`);
    }
    return checkEndpointAndTime(signer, timestampText, endpoint, options);
  });
}

/** After the signature: the endpoint it was signed for, then the timestamp window. */
function checkEndpointAndTime(
  signer: PomeloSigningKey,
  timestampText: string,
  endpoint: string,
  options: { endpoints: readonly string[]; toleranceSeconds: number; now: number },
): VerifiedPomeloRequest {
  if (!options.endpoints.includes(endpoint)) {
    refuse(
      "POMELO_ENDPOINT_MISMATCH",
      `This request was signed for X-Endpoint ${JSON.stringify(endpoint.slice(0, 200))}, but this route is ` +
        `${options.endpoints.map((e) => JSON.stringify(e)).join(" or ")}. When a proxy rewrites paths, set publicPaths to ` +
        "the path Pomelo posts to; a request signed for another endpoint is not accepted here.",
    );
  }

  if (!isDigits(timestampText)) refuse("POMELO_TIMESTAMP_OUT_OF_TOLERANCE", "X-Timestamp is not whole unix seconds.");
  const timestamp = Number(timestampText);
  const skew = options.now - timestamp;
  if (Math.abs(skew) > options.toleranceSeconds) {
    refuse(
      "POMELO_TIMESTAMP_OUT_OF_TOLERANCE",
      `X-Timestamp is ${Math.abs(skew)} s ${skew > 0 ? "in the past" : "in the future"}, beyond the ` +
        `${options.toleranceSeconds} s tolerance. Check this server's clock (NTP); a replayed old request also fails here.`,
    );
  }
  return { signer, timestamp, endpoint };
}

/** On a mismatch only: which mistake explains it (variants re-hashed synchronously, bodies up to 8 KB). */
function diagnose(body: Uint8Array | string, given: Uint8Array, signer: PomeloSigningKey, timestamp: string, endpoint: string): string {
  const fallback =
    `Likely causes: the api secret configured for api key ${keyHint(signer.apiKey)} is not the one Pomelo signs with, or ` +
    "the body was changed after Pomelo signed it (re-serialised JSON, a proxy that re-encodes bodies).";
  const size = byteLength(body);
  if (size > DIAGNOSIS_LIMIT) return fallback;
  const matches = (key: SecretKey, ...parts: HashInput[]) => equalBytes(hmacSync(key, parts), given);
  if (matches(signer.asText, timestamp, endpoint, body)) {
    return (
      "It was made with the api secret used as text instead of base64-decoded. Pomelo decodes the secret; whatever " +
      "signed this request (a test tool, a relay) has that mistake."
    );
  }
  if (matches(signer.key, body, timestamp, endpoint)) {
    return "It was made over body + timestamp + endpoint (an older documented order); Pomelo signs timestamp + endpoint + body.";
  }
  const text = typeof body === "string" ? body : utf8Decode(body);
  try {
    if (matches(signer.key, timestamp, endpoint, JSON.stringify(JSON.parse(text)))) {
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
