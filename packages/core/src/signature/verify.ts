import { equalBytes } from "../platform/index.js";
import { toRawBytes } from "../body/raw.js";
import { all, andThen, type MaybePromise } from "../engine/maybe.js";
import { SiglumeWebhookError } from "../errors.js";
import { parseSiglumeEvent } from "../event/parse.js";
import type { SiglumeEvent } from "../event/types.js";
import type { SecretKey } from "../platform/contract.js";
import { isProduction } from "../engine/environment.js";
import { parseSignatureHeader, type ParsedSignatureHeader } from "./header.js";
import { publishedSecretProblem } from "./published.js";
import { computeSignature, deliverySignature, signingKey, type SigningKey } from "./sign.js";

/**
 * How far a signature's timestamp may be from now by default: 300 s either way; further is `401
 * TIMESTAMP_OUT_OF_TOLERANCE`.
 */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Options of `verifySiglumeSignature`: the secret(s), the timestamp tolerance and the current time (for tests). */
export interface VerifyOptions {
  /** The webhook signing secret; several during rotation (any may match). */
  secret: string | readonly string[];
  /** Allowed distance between `t` and now, in seconds, both directions, inclusive. */
  toleranceSeconds?: number;
  /** Current time in unix seconds (defaults to the system clock). */
  now?: number;
}

/** What a successful verification returns: the signed timestamp (unix seconds). */
export interface VerifiedSignature {
  /** The header's `t=`: when Siglume signed, in unix seconds. */
  timestamp: number;
}

/** Whether `expected` equals any of the header's digests; every candidate is compared (constant time each). */
function matchesAny(expected: Uint8Array, candidates: readonly Uint8Array[]): boolean {
  let matched = false;
  // Both are 32 bytes (the parser only keeps 64-hex values).
  for (const candidate of candidates) if (equalBytes(expected, candidate)) matched = true;
  return matched;
}

/** The verdict once the digests are known: the digest is checked before the clock, so an unsigned request learns nothing about our time. */
function settle(parsed: ParsedSignatureHeader, matched: boolean, toleranceSeconds: number, now: number): VerifiedSignature {
  if (!matched) {
    throw new SiglumeWebhookError(
      "SIGNATURE_MISMATCH",
      "No v1 signature matches the body with the configured webhook secret. Likely causes: the secret is not this " +
        "endpoint's SIGLUME_WEBHOOK_SECRET (or was rotated), or the body was changed after Siglume signed it " +
        "(re-serialised JSON, a proxy that re-encodes bodies).",
    );
  }
  const { timestamp } = parsed;
  const skew = now - timestamp;
  if (Math.abs(skew) > toleranceSeconds) {
    throw new SiglumeWebhookError(
      "TIMESTAMP_OUT_OF_TOLERANCE",
      `The signature timestamp is ${Math.abs(skew)} s ${skew > 0 ? "in the past" : "in the future"}, beyond the ` +
        `${toleranceSeconds} s tolerance. Check this server's clock (NTP); a replayed old delivery also fails here.`,
    );
  }
  return { timestamp };
}

/**
 * Checks the signature over the exact bytes; throws SiglumeWebhookError on any
 * failure. Synchronous on every runtime. Exposed apart from parsing so tools
 * can explain failures.
 */
export function verifySiglumeSignature(
  body: Uint8Array | string,
  header: string | string[] | undefined | null,
  secrets: readonly SigningKey[],
  toleranceSeconds: number,
  now: number,
): VerifiedSignature {
  const parsed = parseSignatureHeader(header);
  let matched = false;
  for (const secret of secrets) if (matchesAny(computeSignature(secret, parsed.timestamp, body), parsed.signatures)) matched = true;
  return settle(parsed, matched, toleranceSeconds, now);
}

/**
 * The same check for a delivery, with keys made once: synchronous on Node,
 * through WebCrypto (a Promise) elsewhere.
 */
export function verifySiglumeDelivery(
  body: Uint8Array | string,
  header: string | string[] | undefined | null,
  keys: readonly SecretKey[],
  toleranceSeconds: number,
  now: number,
): MaybePromise<VerifiedSignature> {
  const parsed = parseSignatureHeader(header);
  if (keys.length === 1) {
    return andThen(deliverySignature(keys[0]!, parsed.timestamp, body), (expected) =>
      settle(parsed, matchesAny(expected, parsed.signatures), toleranceSeconds, now),
    );
  }
  return andThen(all(keys.map((key) => deliverySignature(key, parsed.timestamp, body))), (digests) => {
    let matched = false;
    for (const expected of digests) if (matchesAny(expected, parsed.signatures)) matched = true;
    return settle(parsed, matched, toleranceSeconds, now);
  });
}

/**
 * Normalises a secret option to a non-empty list, or says how to fix it (also when, in production, it holds a
 * secret this project publishes: see publishedSecretProblem).
 */
export function normaliseSecrets(secret: string | readonly string[] | undefined): string[] {
  if (typeof secret === "string" && secret !== "" && !isProduction()) return [secret];
  const list = (typeof secret === "string" ? [secret] : [...(secret ?? [])]).filter(
    (value): value is string => typeof value === "string" && value !== "",
  );
  if (list.length === 0) {
    throw new TypeError(
      "No Siglume webhook secret configured: pass webhookSecret (a string, or several during rotation) or set " +
        "SIGLUME_WEBHOOK_SECRET.",
    );
  }
  const published = publishedSecretProblem(list);
  if (published !== undefined) throw new TypeError(published);
  return list;
}

// Keys for the secrets verifySiglumeWebhook() has seen, so repeated calls skip key setup. Bounded.
const keyCache = new Map<string, SecretKey>();

function cachedKeys(secrets: readonly string[]): SecretKey[] {
  return secrets.map((secret) => {
    let key = keyCache.get(secret);
    if (!key) {
      if (keyCache.size >= 32) keyCache.clear();
      key = signingKey(secret);
      keyCache.set(secret, key);
    }
    return key;
  });
}

// The common call passes the same secret string every time: its keys are kept at hand.
let lastSecret: string | undefined;
let lastKeys: SecretKey[] = [];

function keysFor(secret: string | readonly string[]): SecretKey[] {
  if (typeof secret === "string" && secret === lastSecret) return lastKeys;
  const keys = cachedKeys(normaliseSecrets(secret));
  if (typeof secret === "string") [lastSecret, lastKeys] = [secret, keys];
  return keys;
}

/**
 * Verifies a delivery and returns its event, synchronously on every runtime.
 * `rawBody` must be the exact bytes received; a parsed object is refused with
 * BODY_NOT_RAW.
 */
export function verifySiglumeWebhook(
  rawBody: Uint8Array | string,
  header: string | string[] | undefined | null,
  options: VerifyOptions,
): SiglumeEvent {
  const body = toRawBytes(rawBody);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  verifySiglumeSignature(body, header, keysFor(options.secret), options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, now);
  return parseSiglumeEvent(body);
}

/**
 * `verifySiglumeWebhook` through WebCrypto where the runtime is not Node (Deno, workerd, edge): the form to use
 * there. On Node it settles at once.
 */
export async function verifySiglumeWebhookAsync(
  rawBody: Uint8Array | string,
  header: string | string[] | undefined | null,
  options: VerifyOptions,
): Promise<SiglumeEvent> {
  const body = toRawBytes(rawBody);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  await verifySiglumeDelivery(body, header, keysFor(options.secret), options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, now);
  return parseSiglumeEvent(body);
}
