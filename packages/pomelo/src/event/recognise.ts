import { eventIdProblem } from "@siglume-middleware/core";
import type { OtpMethod, PomeloOtp, PomeloTokenEvent } from "./types.js";

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/** The object and, when it wraps its fields in `data` (as some Pomelo webhooks do), that too. */
function scopes(payload: unknown): Fields[] {
  if (!isObject(payload)) return [];
  return isObject(payload.data) ? [payload, payload.data] : [payload];
}

/** The first string (or number, as text) under one of `names`, looked up top-level first. */
function pick(payload: unknown, names: readonly string[]): string | undefined {
  for (const scope of scopes(payload)) {
    for (const name of names) {
      const value = scope[name];
      if (typeof value === "string" && value !== "") return value;
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
    }
  }
  return undefined;
}

/** Field names a code can hide under: redacted wherever the payload is passed on. */
export const OTP_CODE_FIELDS = ["otp", "code", "otp_code", "one_time_password", "passcode"] as const;
const RECIPIENT = ["recipient", "masked_recipient", "destination", "masked_email", "masked_phone"];
const METHOD = ["method", "channel", "delivery_method", "otp_method"];
const CARD = ["card_id"];
const USER = ["user_id"];
const ORIGIN = ["token_origin", "origin", "wallet", "token_requestor", "wallet_provider"];
const EVENT_ID = ["event_id", "idempotency_key"];

/** `event_id` or `idempotency_key`, when present and usable as an idempotency key. */
export function eventIdOf(payload: unknown): string | undefined {
  const id = pick(payload, EVENT_ID);
  return id !== undefined && eventIdProblem(id) === undefined ? id : undefined;
}

export function recogniseOtp(payload: unknown): PomeloOtp {
  const method = pick(payload, METHOD);
  return {
    code: pick(payload, OTP_CODE_FIELDS),
    recipient: pick(payload, RECIPIENT),
    method: method === undefined ? undefined : (method.toUpperCase() as OtpMethod),
    cardId: pick(payload, CARD),
    userId: pick(payload, USER),
    tokenOrigin: pick(payload, ORIGIN),
    eventId: eventIdOf(payload),
    payload,
  };
}

/** A token event, or why the payload is not one we can read. */
export function recogniseTokenEvent(payload: unknown): PomeloTokenEvent | string {
  if (!isObject(payload)) return "the body is not a JSON object";
  const tokenId = pick(payload, ["token_id", "id"]);
  if (tokenId === undefined) return 'no "token_id" (or "id")';
  const status = pick(payload, ["status", "token_status"]);
  if (status === undefined) return 'no "status"';
  return {
    tokenId,
    status: status.toUpperCase(),
    cardId: pick(payload, CARD),
    userId: pick(payload, USER),
    eventId: eventIdOf(payload),
    payload,
  };
}

const REDACTED = "[redacted]";
const CODE_FIELD = new Set<string>(OTP_CODE_FIELDS);

/** A copy of `payload` with every value under a code field replaced, at any depth. */
export function redactOtp(payload: unknown): unknown {
  if (Array.isArray(payload)) return payload.map(redactOtp);
  if (!isObject(payload)) return payload;
  const copy: Fields = {};
  for (const [name, value] of Object.entries(payload)) copy[name] = CODE_FIELD.has(name) ? REDACTED : redactOtp(value);
  return copy;
}

/** The OTP as it may be shown anywhere but to the handler: its code and payload redacted. */
export function redactedOtp(otp: PomeloOtp): PomeloOtp {
  return { ...otp, code: otp.code === undefined ? undefined : REDACTED, payload: redactOtp(otp.payload) };
}
