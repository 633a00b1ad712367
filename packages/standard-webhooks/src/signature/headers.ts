import { SiglumeWebhookError, eventIdProblem, fromBase64, isDigits, trimmed, type HeaderReader } from "@siglume-middleware/core";

/** The spec's header names. */
export const STANDARD_HEADERS = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" } as const;
/** Svix's names for the same headers (Svix, Clerk, Resend, …). */
export const SVIX_HEADERS = { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" } as const;

/** Entries past this many in a signature list are not read (senders send one per active key: one to three). */
export const MAX_SIGNATURE_ENTRIES = 32;

/** The three headers of one delivery, from one set. */
export interface StandardHeaderValues {
  /** The message id (`webhook-id` or `svix-id`): the idempotency key. */
  id: string;
  /** The signing time in unix seconds, as sent (`webhook-timestamp` or `svix-timestamp`). */
  timestamp: string;
  /** The space-separated signature list, as sent (`webhook-signature` or `svix-signature`). */
  signature: string;
  /** Which set they came from. */
  names: typeof STANDARD_HEADERS | typeof SVIX_HEADERS;
  /** Whether the other set's signature header was there too (and was not read). */
  otherSetPresent: boolean;
}

/** One `version,base64` entry of a signature list. */
export interface SignatureEntry {
  /** The entry's version: `v1` (HMAC-SHA256) or `v1a` (Ed25519); others are ignored. */
  version: string;
  /** The decoded signature; undefined when it is not base64 of the version's length (32 bytes v1, 64 bytes v1a). */
  bytes: Uint8Array | undefined;
}

/** What a signature list holds, by version. */
export interface ParsedSignatures {
  /** Well-formed v1 (HMAC-SHA256) signatures. */
  v1: Uint8Array[];
  /** Well-formed v1a (ed25519) signatures. */
  v1a: Uint8Array[];
  /** Every entry read, well-formed or not, in order (at most MAX_SIGNATURE_ENTRIES). */
  entries: SignatureEntry[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Signature bytes per version: HMAC-SHA256 (v1), ed25519 (v1a). */
const lengthOf = (version: string): number | undefined => (version === "v1" ? 32 : version === "v1a" ? 64 : undefined);

function badRequest(code: string, message: string): never {
  throw new SiglumeWebhookError(code, message, { status: 400 });
}

/** A header's value; repeated headers (an array) are joined with a space, as a list. */
const text = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(" ") : value);

/**
 * The delivery's `webhook-*` headers, or its `svix-*` headers: the set whose signature header is present, the
 * `webhook-*` set when both are (never a mix of the two; the signature covers the id and timestamp of its own set).
 * Refuses with 400 a missing header, an id that cannot be an idempotency key, or a timestamp that is not unix seconds.
 */
export function readStandardHeaders(header: HeaderReader): StandardHeaderValues {
  const standardSignature = header(STANDARD_HEADERS.signature) !== undefined;
  const svixSignature = header(SVIX_HEADERS.signature) !== undefined;
  const names = !standardSignature && svixSignature ? SVIX_HEADERS : STANDARD_HEADERS;
  const id = text(header(names.id));
  const timestamp = text(header(names.timestamp));
  const signature = text(header(names.signature));
  const missing = [id === undefined && names.id, timestamp === undefined && names.timestamp, signature === undefined && names.signature].filter(Boolean);
  if (missing.length > 0) {
    badRequest(
      "STANDARD_WEBHOOK_HEADERS_MISSING",
      `No ${missing.join(", ")} header on the request. Standard Webhooks senders sign with webhook-id, webhook-timestamp and ` +
        "webhook-signature (Svix-based senders with svix-id, svix-timestamp and svix-signature); a proxy in front of this " +
        "app may be stripping them.",
    );
  }
  const problem = eventIdProblem(id!);
  if (problem !== undefined) badRequest("STANDARD_WEBHOOK_ID_INVALID", `${names.id} ${problem}; it is the event's idempotency key.`);
  const seconds = trimmed(timestamp!);
  if (!isDigits(seconds)) {
    badRequest("STANDARD_WEBHOOK_TIMESTAMP_INVALID", `${names.timestamp} is not whole unix seconds. Forward the header unchanged.`);
  }
  return { id: id!, timestamp: seconds, signature: signature!, names, otherSetPresent: standardSignature && svixSignature };
}

/**
 * A signature list: `version,base64` entries separated by spaces (a trailing comma, as left by joining
 * repeated headers, is dropped). Unknown versions and malformed entries are kept in `entries` but not used.
 */
export function parseSignatures(header: string): ParsedSignatures {
  const parsed: ParsedSignatures = { v1: [], v1a: [], entries: [] };
  for (const raw of header.split(/\s+/)) {
    if (raw === "") continue;
    if (parsed.entries.length === MAX_SIGNATURE_ENTRIES) break;
    const entry = raw.endsWith(",") ? raw.slice(0, -1) : raw;
    const comma = entry.indexOf(",");
    const version = comma < 0 ? entry : entry.slice(0, comma);
    const value = comma < 0 ? "" : entry.slice(comma + 1);
    const length = lengthOf(version);
    const bytes = length !== undefined && BASE64.test(value) ? fromBase64(value) : undefined;
    const wellFormed = bytes !== undefined && bytes.length === length ? bytes : undefined;
    parsed.entries.push({ version, bytes: wellFormed });
    if (wellFormed !== undefined) (version === "v1" ? parsed.v1 : parsed.v1a).push(wellFormed);
  }
  return parsed;
}
