/** An enum Pomelo may extend: the known values, or any other string (never rejected). */
type Open<T extends string> = T | (string & {});

export type OtpMethod = Open<"EMAIL" | "SMS">;

/**
 * A tokenization OTP, as Pomelo sends it to the OTP endpoint. Pomelo has not
 * published the field names, so `payload` is the body as sent and the other
 * fields are what was recognised in it (from the snake_case names Pomelo's
 * other webhooks use); a field that was not found is undefined. Every
 * verified OTP reaches the handler: a cardholder must not miss a code
 * because a field was renamed.
 */
export interface PomeloOtp {
  /** The one-time password to deliver to the cardholder. Never logged, stored or echoed by this library. */
  code: string | undefined;
  /** Where Pomelo says to send it, masked (e-mail or phone). */
  recipient: string | undefined;
  method: OtpMethod | undefined;
  cardId: string | undefined;
  userId: string | undefined;
  /** Where the tokenization comes from (the wallet or token requestor). */
  tokenOrigin: string | undefined;
  /** `event_id` or `idempotency_key`, when the payload carries one. */
  eventId: string | undefined;
  /** The body as sent (JSON), or undefined when it is not JSON. */
  payload: unknown;
}

/** A token lifecycle update (a card's token changed state, e.g. ACTIVATED). */
export interface PomeloTokenEvent {
  tokenId: string;
  status: Open<"ACTIVATED" | "SUSPENDED" | "DEACTIVATED" | "REQUESTED" | "DECLINED">;
  cardId: string | undefined;
  userId: string | undefined;
  eventId: string | undefined;
  /** The body as sent. */
  payload: Record<string, unknown>;
}

/** A verified token webhook that could not be read (or an event id reused with another body). */
export interface PomeloReview {
  reason: "unreadable_token_event" | "event_id_reused";
  /** What was missing or wrong. */
  detail: string;
  /** The body as sent (OTP codes redacted), or undefined when it is not JSON. */
  payload: unknown;
}
