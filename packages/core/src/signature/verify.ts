import { timingSafeEqual, type KeyObject } from "node:crypto";
import { toRawBytes } from "../body/raw.js";
import { SiglumeWebhookError } from "../errors.js";
import { parseSiglumeEvent } from "../event/parse.js";
import type { SiglumeEvent } from "../event/types.js";
import { parseSignatureHeader } from "./header.js";
import { computeSignature, signingKey, type SigningKey } from "./sign.js";

export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyOptions {
  /** The webhook signing secret; several during rotation (any may match). */
  secret: string | readonly string[];
  /** Allowed distance between `t` and now, in seconds, both directions, inclusive. */
  toleranceSeconds?: number;
  /** Current time in unix seconds (defaults to the system clock). */
  now?: number;
}

export interface VerifiedSignature {
  timestamp: number;
}

/**
 * Checks the signature over the exact bytes; throws SiglumeWebhookError on any
 * failure. Exposed apart from parsing so tools can explain failures.
 */
export function verifySiglumeSignature(
  body: Buffer | string,
  header: string | string[] | undefined | null,
  secrets: readonly SigningKey[],
  toleranceSeconds: number,
  now: number,
): VerifiedSignature {
  const { timestamp, signatures } = parseSignatureHeader(header);

  // The digest is checked before the clock so an unsigned request learns nothing about our time.
  let matched = false;
  for (const secret of secrets) {
    const expected = computeSignature(secret, timestamp, body);
    for (const candidate of signatures) {
      // Both are 32 bytes (the parser only keeps 64-hex values), as timingSafeEqual requires.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) {
    throw new SiglumeWebhookError(
      "SIGNATURE_MISMATCH",
      "No v1 signature matches the body with the configured webhook secret. Likely causes: the secret is not this " +
        "endpoint's SIGLUME_WEBHOOK_SECRET (or was rotated), or the body was changed after Siglume signed it " +
        "(re-serialised JSON, a proxy that re-encodes bodies).",
    );
  }

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

/** Normalises a secret option to a non-empty list, or says how to fix it. */
export function normaliseSecrets(secret: string | readonly string[] | undefined): string[] {
  if (typeof secret === "string" && secret !== "") return [secret];
  const list = (typeof secret === "string" ? [secret] : [...(secret ?? [])]).filter(
    (value): value is string => typeof value === "string" && value !== "",
  );
  if (list.length === 0) {
    throw new TypeError(
      "No Siglume webhook secret configured: pass webhookSecret (a string, or several during rotation) or set " +
        "SIGLUME_WEBHOOK_SECRET.",
    );
  }
  return list;
}

// Keys for the secrets verifySiglumeWebhook() has seen, so repeated calls skip key setup. Bounded.
const keyCache = new Map<string, KeyObject>();

function cachedKeys(secrets: readonly string[]): KeyObject[] {
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
let lastKeys: KeyObject[] = [];

function keysFor(secret: string | readonly string[]): KeyObject[] {
  if (typeof secret === "string" && secret === lastSecret) return lastKeys;
  const keys = cachedKeys(normaliseSecrets(secret));
  if (typeof secret === "string") [lastSecret, lastKeys] = [secret, keys];
  return keys;
}

/**
 * Verifies a delivery and returns its event. `rawBody` must be the exact bytes
 * received; a parsed object is refused with BODY_NOT_RAW.
 */
export function verifySiglumeWebhook(
  rawBody: Buffer | Uint8Array | string,
  header: string | string[] | undefined | null,
  options: VerifyOptions,
): SiglumeEvent {
  const body = toRawBytes(rawBody);
  const keys = keysFor(options.secret);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  verifySiglumeSignature(body, header, keys, options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, now);
  return parseSiglumeEvent(body);
}
