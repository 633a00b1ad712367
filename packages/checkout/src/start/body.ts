import { utf8Decode } from "@siglume-middleware/core";
/** Largest start body read from the stream: `{"order_id": …}` needs a few dozen bytes. */
export const START_BODY_LIMIT = 16 * 1024;
/** Longest accepted order id. */
export const ORDER_ID_MAX_LENGTH = 200;

/** The start request body read: the order id, or the problem to answer `400 INVALID_REQUEST_BODY` with. */
export type StartBodyResult = { ok: true; orderId: string } | { ok: false; problem: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);

// C0/C1 controls, and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Reads `{ "order_id": … }` from what the framework gave: an object its JSON parser made, or the raw
 * bytes/text when no parser ran. `order_id` is a non-empty string (surrounding spaces trimmed) of at most
 * 200 characters without control characters, or a positive safe integer (taken as its decimal string).
 * Other fields are ignored: the amount always comes from the server's order.
 */
export function parseStartBody(body: unknown): StartBodyResult {
  let value = body;
  if (typeof value === "string" || value instanceof Uint8Array) {
    const textBody = typeof value === "string" ? value : utf8Decode(value);
    if (textBody.trim() === "") return { ok: false, problem: 'the body is empty; send {"order_id": "…"}' };
    try {
      value = JSON.parse(textBody);
    } catch {
      return { ok: false, problem: "the body is not valid JSON" };
    }
  }
  if (!isPlainObject(value)) return { ok: false, problem: 'the body must be a JSON object: {"order_id": "…"}' };
  const raw = value.order_id;
  if (typeof raw === "number") {
    return Number.isSafeInteger(raw) && raw > 0
      ? { ok: true, orderId: String(raw) }
      : { ok: false, problem: "order_id must be a positive whole number or a string" };
  }
  if (typeof raw !== "string") return { ok: false, problem: "order_id is missing; it must be a string (or a positive whole number)" };
  const orderId = raw.trim();
  if (orderId === "") return { ok: false, problem: "order_id is empty" };
  if (orderId.length > ORDER_ID_MAX_LENGTH) return { ok: false, problem: `order_id is longer than ${ORDER_ID_MAX_LENGTH} characters` };
  if (CONTROL.test(orderId)) return { ok: false, problem: "order_id contains control characters" };
  return { ok: true, orderId };
}
