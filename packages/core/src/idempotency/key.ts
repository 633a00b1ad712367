import { isBlank } from "../event/text.js";

/** Longest event id accepted, in UTF-16 code units. */
export const MAX_EVENT_ID_LENGTH = 255;

/**
 * Why `id` cannot be an idempotency key, or undefined when it can: 1–255
 * characters of well-formed UTF-16 (a lone surrogate would collide with
 * others once a store encodes it as UTF-8) without control characters.
 * Checked before any store is touched.
 */
export function eventIdProblem(id: string): string | undefined {
  if (id.length === 0 || id.length > MAX_EVENT_ID_LENGTH) return `must be 1–${MAX_EVENT_ID_LENGTH} characters long`;
  if (isBlank(id)) return "must not be blank";
  // One pass over the code units (this runs on every delivery): C0 and C1 controls and DEL, which
  // PostgreSQL text cannot hold (NUL) or no id should carry; and surrogates that are not a pair.
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return "must not contain control characters";
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = id.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return "must be well-formed Unicode (it holds a lone surrogate)";
      i++;
    }
  }
  return undefined;
}

/**
 * Payload text as part of a record's key or label (store columns, Redis keys): itself when it could be an
 * event id of at most 120 characters, else `fallback`. A NUL or a lone surrogate would fail every write.
 */
export function recordLabel(text: unknown, fallback: string): string {
  return typeof text === "string" && text.length <= 120 && eventIdProblem(text) === undefined ? text : fallback;
}
