import type { EngineOptions, MaybePromise, WebhookErrorInfo } from "@siglume-middleware/core";
import type { PomeloFieldReaders, PomeloOtp, PomeloReview, PomeloTokenEvent } from "../event/types.js";
import type { PomeloApiKey } from "../signature/keys.js";

/**
 * The default routes of Pomelo's two webhooks: `/webhooks/pomelo/tokens` (token lifecycle) and `/webhooks/pomelo/otp`
 * (tokenization OTPs).
 */
export const DEFAULT_POMELO_PATHS = { tokens: "/webhooks/pomelo/tokens", otp: "/webhooks/pomelo/otp" } as const;
/** How far `X-Timestamp` may be from now by default: 300 s either way; further is refused with 401. */
export const DEFAULT_POMELO_TOLERANCE_SECONDS = 300;

/** `paths` over the defaults: a path not given (or given as undefined) keeps its default. */
export function resolvePomeloPaths(paths: { tokens?: string | undefined; otp?: string | undefined } | undefined): {
  tokens: string;
  otp: string;
} {
  return { tokens: paths?.tokens ?? DEFAULT_POMELO_PATHS.tokens, otp: paths?.otp ?? DEFAULT_POMELO_PATHS.otp };
}

/** What every Pomelo handler receives beside its payload. */
export interface PomeloContext<TRequest = unknown> {
  /** The framework's own request object. */
  request: TRequest;
  /** The idempotency store's open transaction, when it has one (the PostgreSQL store's client). */
  transaction?: unknown;
  /** The api key whose secret signed the request. */
  apiKey: string;
  /** X-Timestamp, unix seconds. */
  signedAt: number;
  /** The instance's name, when two Pomelo accounts are mounted. */
  name?: string | undefined;
}

/**
 * The handlers of Pomelo's webhooks: `onTokenEvent` for token lifecycle updates and `onOtp` to deliver tokenization
 * codes (both required), each once per event; a throw makes Pomelo resend.
 */
export interface PomeloHandlers<TRequest = unknown> {
  /** A token lifecycle update, once per event. Throw to have Pomelo resend it. */
  onTokenEvent(event: PomeloTokenEvent, ctx: PomeloContext<TRequest>): MaybePromise<unknown>;
  /**
   * A tokenization OTP, once per event: deliver `otp.code` to the cardholder. Everything verified at the OTP
   * endpoint arrives here, whatever its shape. The code is never logged or stored by this library.
   */
  onOtp(otp: PomeloOtp, ctx: PomeloContext<TRequest>): MaybePromise<unknown>;
  /** A verified token webhook that cannot be read (an unknown api key is a 401, not a review). */
  onReview(review: PomeloReview, ctx: PomeloContext<TRequest>): MaybePromise<unknown>;
}

/**
 * Options of `pomeloWebhooks` (and `PomeloWebhooksModule.forRoot`): the handlers, the api-key/api-secret pairs, the
 * paths (and the paths Pomelo signs, behind a rewriting proxy), the timestamp tolerance, your own field mapping
 * (`recognise`) and the engine's options.
 */
export interface PomeloOptions<TRequest = unknown> extends PomeloHandlers<TRequest>, Omit<EngineOptions<TRequest>, "onError"> {
  /** The api-key/api-secret pairs (secret base64, as Pomelo shows it); several during rotation. */
  apiKeys: readonly PomeloApiKey[] | undefined;
  /** Each is its own endpoint in Pomelo. Defaults: /webhooks/pomelo/tokens, /webhooks/pomelo/otp. */
  paths?: { tokens?: string | undefined; otp?: string | undefined } | undefined;
  /** The X-Endpoint Pomelo signs, when a proxy rewrites paths (default: the path). */
  publicPaths?: { tokens?: string | undefined; otp?: string | undefined } | undefined;
  /** X-Timestamp window, both directions. Default 300 s. */
  toleranceSeconds?: number | undefined;
  /** Sign answers with X-Endpoint / X-Timestamp / X-Signature like Pomelo's examples. Default false. */
  signResponses?: boolean | undefined;
  /**
   * A secret of your own (at least 16 characters, e.g. `process.env.POMELO_DIGEST_KEY`) that keys the body digests
   * and the idempotency keys of events without an id. Without it they are keyed from the first api pair's secret,
   * so removing that pair at the end of a key rotation changes them, and a redelivery of an id-less event after
   * that runs again. Best set at the first deployment: adding or changing it changes every record's digest, so for
   * as long as Pomelo may still redeliver events handled before the switch, such a redelivery is handled again
   * (an OTP, an event without an id) or reviewed as `event_id_reused` (a token event).
   */
  digestKey?: string | undefined;
  /**
   * Your own field mapping, for a payload shape this library does not read (Pomelo has not published the field
   * names): e.g. `{ otpCode: (p) => (p as TheirShape).verification?.secret }` (readers get the parsed body as
   * `unknown`). Each reader's
   * value (a non-empty string or a number) wins; undefined falls back to the built-in reading, which looks at
   * the top level, `data`, a nested `otp` / `token` object and `data.otp` / `data.token`. Checked at start-up.
   */
  recognise?: PomeloFieldReaders | undefined;
  /** A name for this instance, when one app serves two Pomelo accounts (keys and logs carry it). */
  name?: string | undefined;
  /** A handler threw or timed out, a store failed. `event` has OTP codes redacted. Default: the logger. */
  onError?:
    | ((error: unknown, info: WebhookErrorInfo<TRequest> & { event?: PomeloOtp | PomeloTokenEvent | PomeloReview }) => unknown)
    | undefined;
}
