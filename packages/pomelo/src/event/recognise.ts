import { eventIdProblem, isPromiseLike } from "@siglume-middleware/core";
import type { OtpMethod, PomeloFieldReader, PomeloFieldReaders, PomeloOtp, PomeloTokenEvent } from "./types.js";

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Where the event's fields may be, most specific first: `data.<nested>`, `data` (Pomelo's envelopes wrap
 * events in it: the envelope's own `id` or `status` are not the token's), `<nested>` (`token` for token
 * events, `otp` for OTPs), then the top level. Computed once per payload.
 */
function scopes(payload: unknown, nested: "token" | "otp"): Fields[] {
  if (!isObject(payload)) return [];
  const found: Fields[] = [];
  const { data } = payload;
  if (isObject(data)) {
    if (isObject(data[nested])) found.push(data[nested]);
    found.push(data);
  }
  if (isObject(payload[nested])) found.push(payload[nested]);
  found.push(payload);
  return found;
}

/** A usable field value: a non-empty string, or a finite number as text. */
function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The first usable value under one of `names`, scope by scope (see scopes), in `names` order within one. */
function pick(found: Fields[], names: readonly string[]): string | undefined {
  for (const scope of found) {
    for (const name of names) {
      const value = text(scope[name]);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

/** The app's reader's answer (see PomeloFieldReaders), else the built-in reading. */
function field(reader: PomeloFieldReader | undefined, payload: unknown, found: Fields[], names: readonly string[]): string | undefined {
  return (reader === undefined ? undefined : text(reader(payload))) ?? pick(found, names);
}

/** Field names the code is read from, in this order (`data` first); redaction goes wider (isCodeField). */
export const OTP_CODE_FIELDS = ["otp", "otp_code", "otpCode", "one_time_password", "passcode", "code"] as const;
const RECIPIENT = ["recipient", "masked_recipient", "destination", "masked_email", "masked_phone"];
const METHOD = ["method", "channel", "delivery_method", "otp_method"];
const CARD = ["card_id"];
const USER = ["user_id"];
const ORIGIN = ["token_origin", "origin", "wallet", "token_requestor", "wallet_provider"];
const EVENT_ID = ["event_id", "idempotency_key"];
const TOKEN_ID = ["token_id", "id"];
const TOKEN_STATUS = ["status", "token_status"];

/** The names `recognise` accepts: one reader per field the recognisers fill. */
export const POMELO_FIELD_READERS = ["otpCode", "otpMethod", "otpRecipient", "tokenId", "tokenStatus", "cardId", "userId", "tokenOrigin", "eventId"] as const;

function usableEventId(id: string | undefined): string | undefined {
  return id !== undefined && eventIdProblem(id) === undefined ? id : undefined;
}

/** `event_id` or `idempotency_key`, when present and usable as an idempotency key. */
export function eventIdOf(payload: unknown, readers?: PomeloFieldReaders): string | undefined {
  return usableEventId(field(readers?.eventId, payload, scopes(payload, "otp"), EVENT_ID));
}

/**
 * The OTP's fields, read from the top level, a `data` object, an `otp` object or `data.otp` (see scopes),
 * each after the app's own reader for it when `readers` has one.
 */
export function recogniseOtp(payload: unknown, readers?: PomeloFieldReaders): PomeloOtp {
  const found = scopes(payload, "otp");
  const method = field(readers?.otpMethod, payload, found, METHOD);
  return {
    code: field(readers?.otpCode, payload, found, OTP_CODE_FIELDS),
    recipient: field(readers?.otpRecipient, payload, found, RECIPIENT),
    method: method === undefined ? undefined : (method.toUpperCase() as OtpMethod),
    cardId: field(readers?.cardId, payload, found, CARD),
    userId: field(readers?.userId, payload, found, USER),
    tokenOrigin: field(readers?.tokenOrigin, payload, found, ORIGIN),
    eventId: usableEventId(field(readers?.eventId, payload, found, EVENT_ID)),
    payload,
  };
}

/**
 * A token event, read from the top level, a `data` object, a `token` object or `data.token` (see scopes),
 * each field after the app's own reader for it; or why the payload is not one we can read.
 */
export function recogniseTokenEvent(payload: unknown, readers?: PomeloFieldReaders): PomeloTokenEvent | string {
  if (!isObject(payload)) return "the body is not a JSON object";
  const found = scopes(payload, "token");
  const tokenId = field(readers?.tokenId, payload, found, TOKEN_ID);
  if (tokenId === undefined) return 'no "token_id" (or "id"), at the top level or in "data" or "token"';
  const status = field(readers?.tokenStatus, payload, found, TOKEN_STATUS);
  if (status === undefined) return 'no "status", at the top level or in "data" or "token"';
  return {
    tokenId,
    status: status.toUpperCase(),
    cardId: field(readers?.cardId, payload, found, CARD),
    userId: field(readers?.userId, payload, found, USER),
    eventId: usableEventId(field(readers?.eventId, payload, found, EVENT_ID)),
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
/**
 * Whether a payload field name may hold a one-time code or other secret (`otp`, `passcode`, `password`, or ending in
 * `code` but not `status_code`, `country_code` and the like): such fields are redacted from everything this library
 * logs or reports.
 */
export function isCodeField(name: string): boolean {
  const normal = name.toLowerCase().replace(/[^a-z]/g, "");
  if (OTP_METHOD_FIELDS.has(normal)) return false;
  if (normal.includes("otp") || normal.includes("passcode") || normal.includes("password")) return true;
  return normal.endsWith("code") && !NOT_SECRET_CODES.has(normal);
}

/**
 * A copy of `payload` with every value under a code field (see isCodeField) replaced, at any depth, and, when
 * `code` is given (an OTP code read by an app's own reader, under a name redaction cannot know), every string
 * or number that contains it.
 */
export function redactOtp(payload: unknown, code?: string): unknown {
  if (Array.isArray(payload)) return payload.map((item) => redactOtp(item, code));
  if (!isObject(payload)) return code !== undefined && code !== "" && text(payload)?.includes(code) ? REDACTED : payload;
  const copy: Fields = {};
  for (const [name, value] of Object.entries(payload)) copy[name] = isCodeField(name) ? REDACTED : redactOtp(value, code);
  return copy;
}

/** The OTP as it may be shown anywhere but to the handler: its code and payload redacted. */
export function redactedOtp(otp: PomeloOtp): PomeloOtp {
  return { ...otp, code: otp.code === undefined ? undefined : REDACTED, payload: redactOtp(otp.payload, otp.code) };
}

/**
 * What onError gets for an OTP: the recognised fields that are not secret, and no payload at all. Field
 * names are not public, so a code under a name redaction does not know would survive in a payload.
 */
export function otpForReports(otp: PomeloOtp): Omit<PomeloOtp, "payload" | "code"> & { code: undefined; payload: undefined } {
  return { ...otp, code: undefined, payload: undefined };
}

/**
 * Runs the OTP handler. An error it throws or rejects with loses the code from its message and stack (an SMS
 * gateway's error often quotes the text it failed to send), so onError, the default logger and telemetry never
 * see it; a thrown value that is not an Error or a string is replaced, since it cannot be scrubbed reliably.
 */
export function withoutOtpCode(code: string | undefined, run: () => unknown): unknown {
  if (code === undefined || code === "") return run();
  const rethrow = (error: unknown): never => {
    throw scrubbed(error, code);
  };
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    rethrow(error);
  }
  return isPromiseLike(result) ? Promise.resolve(result).then(undefined, rethrow) : result;
}

const CODE_REDACTED = "[OTP code redacted]";

function scrubbed(error: unknown, code: string): unknown {
  if (typeof error === "string") return error.replaceAll(code, CODE_REDACTED);
  if (!(error instanceof Error)) return new Error(`onOtp threw a ${typeof error}, not shown: it may hold the OTP code.`);
  if (!`${error.message}\n${error.stack ?? ""}`.includes(code)) return error;
  const clean = new Error(error.message.replaceAll(code, CODE_REDACTED));
  clean.name = error.name;
  clean.stack = (error.stack ?? "").replaceAll(code, CODE_REDACTED);
  return clean;
}
