/** An enum Pomelo may extend: the known values, or any other string (never rejected). */
type Open<T extends string> = T | (string & {});

/** How the cardholder receives a tokenization OTP: `"EMAIL"` or `"SMS"` (other values passed through). */
export type OtpMethod = Open<"EMAIL" | "SMS">;

/**
 * A tokenization OTP, as Pomelo sends it to the OTP endpoint. Pomelo has not
 * published the field names, so `payload` is the body as sent and the other
 * fields are what was recognised in it (from the snake_case names Pomelo's
 * other webhooks use, at the top level, in `data`, in an `otp` object or in
 * `data.otp`, or by the app's own `recognise` readers); a field that was not
 * found is undefined. Every verified OTP reaches the handler: a cardholder
 * must not miss a code because a field was renamed.
 */
export interface PomeloOtp {
  /** The one-time password to deliver to the cardholder. Never logged, stored or echoed by this library. */
  code: string | undefined;
  /** Where Pomelo says to send it, masked (e-mail or phone). */
  recipient: string | undefined;
  /** How to send it (`SMS` or `EMAIL`), when the payload says. */
  method: OtpMethod | undefined;
  /** The card being tokenized (Pomelo's card id), when found. */
  cardId: string | undefined;
  /** The cardholder (Pomelo's user id), when found. */
  userId: string | undefined;
  /** Where the tokenization comes from (the wallet or token requestor). */
  tokenOrigin: string | undefined;
  /** `event_id` or `idempotency_key`, when the payload carries one. */
  eventId: string | undefined;
  /** The body as sent (JSON), or undefined when it is not JSON. */
  payload: unknown;
}

/**
 * A token lifecycle update (a card's token changed state, e.g. ACTIVATED), read from the top level, `data`,
 * a `token` object or `data.token` (`{ "event_id": …, "token": { "id": …, "status": "ACTIVATED" } }`), or by the
 * app's own `recognise` readers.
 */
export interface PomeloTokenEvent {
  /** The token's id. */
  tokenId: string;
  /** The token's new state (upper-cased), e.g. `ACTIVATED` or `SUSPENDED`. */
  status: Open<"ACTIVATED" | "SUSPENDED" | "DEACTIVATED" | "REQUESTED" | "DECLINED">;
  /** The card the token belongs to, when found. */
  cardId: string | undefined;
  /** The cardholder, when found. */
  userId: string | undefined;
  /** `event_id` or `idempotency_key`, when the payload carries one. */
  eventId: string | undefined;
  /** The body as sent. */
  payload: Record<string, unknown>;
}

/** A verified token webhook that could not be read (or an event id reused with another body). */
export interface PomeloReview {
  /** Why no handler took it: the token event could not be read, or its event id came again with another body. */
  reason: "unreadable_token_event" | "event_id_reused";
  /** What was missing or wrong. */
  detail: string;
  /** The body as sent (OTP codes redacted), or undefined when it is not JSON. */
  payload: unknown;
}

/** Reads one field from a parsed Pomelo body (any JSON value): a string or number, or undefined when absent. */
export type PomeloFieldReader = (payload: unknown) => unknown;

/**
 * The app's own field mapping, for a payload shape this library does not read (Pomelo has not published the
 * field names). Each reader gets the parsed body; a non-empty string or a finite number is the field's value,
 * anything else (undefined, null, "") falls back to the built-in reading (the top level, `data`, a nested
 * `otp` / `token` object, `data.otp` / `data.token`). Readers are checked at start-up; one that throws is
 * logged once (POMELO_RECOGNISE_FAILED) and the built-in reading is used for that field.
 */
export interface PomeloFieldReaders {
  /** The OTP code (never logged, stored or echoed; values containing it are redacted from reviewed payloads). */
  otpCode?: PomeloFieldReader | undefined;
  /** How to send the OTP ("SMS", "EMAIL"; upper-cased). */
  otpMethod?: PomeloFieldReader | undefined;
  /** Where to send the OTP (masked e-mail or phone). */
  otpRecipient?: PomeloFieldReader | undefined;
  /** A token event's token id. */
  tokenId?: PomeloFieldReader | undefined;
  /** A token event's status (upper-cased). */
  tokenStatus?: PomeloFieldReader | undefined;
  /** The card id. */
  cardId?: PomeloFieldReader | undefined;
  /** The user (cardholder) id. */
  userId?: PomeloFieldReader | undefined;
  /** The OTP's wallet or token requestor. */
  tokenOrigin?: PomeloFieldReader | undefined;
  /** The event's id, the idempotency key (a value unusable as one is ignored, as a built-in one would be). */
  eventId?: PomeloFieldReader | undefined;
}
