import { utf8Decode } from "../platform/index.js";
import { SiglumeWebhookError } from "../errors.js";
import { eventIdProblem } from "../idempotency/key.js";
import { isBlank } from "./text.js";
import type { SiglumeEvent } from "./types.js";

const ENVELOPE_STRINGS = ["id", "type", "api_version", "occurred_at"] as const;

function isPresent(value: unknown): value is string {
  return typeof value === "string" && !isBlank(value);
}

/**
 * Parses verified bytes into an event. Hand-written rather than zod on the hot
 * path: five checks, and the result is the parsed object itself (no copy).
 * `siglumeEventSchema` in ./schemas.ts states the same contract for users.
 */
export function parseSiglumeEvent(body: Uint8Array | string): SiglumeEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : utf8Decode(body));
  } catch (error) {
    throw new SiglumeWebhookError(
      "PAYLOAD_INVALID_JSON",
      "The signature is valid but the body is not JSON. Nothing was processed; check what produced this delivery.",
      { cause: error },
    );
  }
  const problem = envelopeProblem(parsed);
  if (problem !== undefined) {
    throw new SiglumeWebhookError(
      "PAYLOAD_INVALID_EVENT",
      `The signature is valid but the body is not a Siglume event: ${problem}. Nothing was processed.`,
    );
  }
  return parsed as SiglumeEvent;
}

/** Why `value` is not a Siglume envelope, or undefined when it is one. */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const record = value as Record<string, unknown>;
  for (const field of ENVELOPE_STRINGS) {
    if (!isPresent(record[field])) return `"${field}" must be a non-empty string`;
  }
  // The id keys the store's record and the type labels it: both are checked before any store is touched.
  for (const field of ["id", "type"] as const) {
    const problem = eventIdProblem(record[field] as string);
    if (problem !== undefined) return `"${field}" ${problem}`;
  }
  const data = record.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return `"data" must be a JSON object`;
  return undefined;
}
