import { eventIdProblem } from "@siglume-middleware/core";
import type { OtpMethod, PomeloOtp, PomeloTokenEvent } from "./types.js";

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Where the event's fields are: a `data` object first, when the body wraps them in one (as Pomelo's
 * envelopes do: the envelope's own `id` or `status` are not the token's), then the top level.
 */
function scopes(payload: unknown): Fields[] {
  if (!isObject(payload)) return [];
  return isObject(payload.data) ? [payload.data, payload] : [payload];
}

/** The first string (or number, as text) under one of `names`, in `names` order, `data` first. */
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

/** Field names the code is read from, in this order (`data` first); redaction goes wider (isCodeField). */
export const OTP_CODE_FIELDS = ["otp", "otp_code", "otpCode", "one_time_password", "passcode", "code"] as const;
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

/**
 * Whether a field name may hold a code, whatever its spelling (`otp_code`, `otpCode`, `OTP-Value`,
 * `oneTimePassword`, `verification_code`): names containing "otp", "passcode" or "password", or ending
 * in "code" except the few that are plainly not secret (`status_code`, `country_code`, …).
 */
const NOT_SECRET_CODES = new Set(["statuscode", "countrycode", "currencycode", "errorcode", "reasoncode", "responsecode", "postalcode", "zipcode", "merchantcategorycode"]);
const OTP_METHOD_FIELDS = new Set(["otpmethod", "otptype", "otpchannel"]);
export function isCodeField(name: string): boolean {
  const normal = name.toLowerCase().replace(/[^a-z]/g, "");
  if (OTP_METHOD_FIELDS.has(normal)) return false;
  if (normal.includes("otp") || normal.includes("passcode") || normal.includes("password")) return true;
  return normal.endsWith("code") && !NOT_SECRET_CODES.has(normal);
}

/** A copy of `payload` with every value under a code field (see isCodeField) replaced, at any depth. */
export function redactOtp(payload: unknown): unknown {
  if (Array.isArray(payload)) return payload.map(redactOtp);
  if (!isObject(payload)) return payload;
  const copy: Fields = {};
  for (const [name, value] of Object.entries(payload)) copy[name] = isCodeField(name) ? REDACTED : redactOtp(value);
  return copy;
}

/** The OTP as it may be shown anywhere but to the handler: its code and payload redacted. */
export function redactedOtp(otp: PomeloOtp): PomeloOtp {
  return { ...otp, code: otp.code === undefined ? undefined : REDACTED, payload: redactOtp(otp.payload) };
}

/**
 * What onError gets for an OTP: the recognised fields that are not secret, and no payload at all. Field
 * names are not public, so a code under a name redaction does not know would survive in a payload.
 */
export function otpForReports(otp: PomeloOtp): Omit<PomeloOtp, "payload" | "code"> & { code: undefined; payload: undefined } {
  return { ...otp, code: undefined, payload: undefined };
}
