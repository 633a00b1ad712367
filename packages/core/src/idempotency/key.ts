/** Longest event id accepted, in UTF-16 code units. */
export const MAX_EVENT_ID_LENGTH = 255;

// C0 and C1 control characters and DEL: PostgreSQL text cannot hold NUL, and none belongs in an id.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// In a /u pattern a surrogate pair is one code point, so only a lone surrogate is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why `id` cannot be an idempotency key, or undefined when it can: 1–255
 * characters of well-formed UTF-16 (a lone surrogate would collide with
 * others once a store encodes it as UTF-8) without control characters.
 * Checked before any store is touched.
 */
export function eventIdProblem(id: string): string | undefined {
  if (id.length === 0 || id.length > MAX_EVENT_ID_LENGTH) return `must be 1–${MAX_EVENT_ID_LENGTH} characters long`;
  if (CONTROL.test(id)) return "must not contain control characters";
  if (LONE_SURROGATE.test(id)) return "must be well-formed Unicode (it holds a lone surrogate)";
  return undefined;
}
