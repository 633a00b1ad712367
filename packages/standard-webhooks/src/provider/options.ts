import type { EngineOptions, MaybePromise, WebhookErrorInfo } from "@siglume-middleware/core";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { StandardWebhookPayload, StandardWebhookReview } from "../event/types.js";

/**
 * The route a Standard Webhooks sender is mounted at by default: `/webhooks/standard` (give each sender its own
 * `path` and `name`).
 */
export const DEFAULT_STANDARD_PATH = "/webhooks/standard";
/**
 * How long a delivery waits for `onEvent` before answering 503 + Retry-After: below the 15–30 s the spec
 * recommends senders wait, so the sender gets an answer (and retries later) rather than a dropped request.
 */
export const DEFAULT_STANDARD_HANDLER_TIMEOUT_MS = 10_000;

/** What every handler receives beside the event. */
export interface StandardWebhookContext<TRequest = unknown> {
  /** The framework's own request object. */
  request: TRequest;
  /** The idempotency store's open transaction, when it has one (the PostgreSQL store's client). */
  transaction?: unknown;
  /** webhook-id (or svix-id): the same on every redelivery of the event. */
  eventId: string;
  /** webhook-timestamp, unix seconds: when this attempt was signed. */
  signedAt: number;
  /** Which signature matched: `v1` (a whsec_ secret) or `v1a` (a whpk_ public key). */
  scheme: "v1" | "v1a";
  /** The instance's name, when given (several senders in one app). */
  name?: string | undefined;
}

/**
 * The handlers of a Standard Webhooks sender: `onEvent` for each verified event (required), `onReview` for a delivery
 * that is not one it takes (optional).
 */
export interface StandardWebhooksHandlers<TRequest = unknown, TEvent = StandardWebhookPayload> {
  /** A verified event, once per webhook-id: the parsed body (through `schema` when given). Throw to have it resent. */
  onEvent(event: TEvent, ctx: StandardWebhookContext<TRequest>): MaybePromise<unknown>;
  /**
   * A verified delivery that is not an event `onEvent` takes: it fails `schema` (or, without one, is not a JSON
   * object), or its webhook-id was handled before with another body. Once per webhook-id (per body, for reused ids).
   * Default: a warning through `logger` (the id and reason, never the payload), recorded and answered 204.
   */
  onReview?: ((review: StandardWebhookReview, ctx: StandardWebhookContext<TRequest>) => MaybePromise<unknown>) | undefined;
}

/**
 * Options of `standardWebhooks` (and `StandardWebhooksModule.forRoot`): the handlers, the sender's secret(s) or
 * Ed25519 public key(s), an optional `schema` for the payload, the timestamp tolerance, the path and name, and the
 * engine's options.
 */
export interface StandardWebhooksOptions<TRequest = unknown, TEvent = StandardWebhookPayload>
  extends StandardWebhooksHandlers<TRequest, TEvent>,
    Omit<EngineOptions<TRequest>, "onError"> {
  /**
   * The signing secret, `whsec_` + base64 as the sender shows it (bare base64 is accepted too); several during a
   * rotation. Required unless `publicKey` is given.
   */
  secret?: string | readonly string[] | undefined;
  /** The sender's ed25519 public key, `whpk_` + base64, for `v1a` signatures; several during a rotation. */
  publicKey?: string | readonly string[] | undefined;
  /** Default /webhooks/standard. One instance per sender, each on its own path. */
  path?: string | undefined;
  /** webhook-timestamp window, both directions. Default 300 s. */
  toleranceSeconds?: number | undefined;
  /**
   * Names this instance ("openai", "clerk"): idempotency keys, logs and `onError` carry it, so two senders
   * sharing one store never share a key. 1–40 letters, digits, '_' or '-'.
   */
  name?: string | undefined;
  /** A zod schema, or any Standard Schema (`~standard`): it checks the payload and types `event`. */
  schema?: StandardSchemaV1<unknown, TEvent> | undefined;
  /**
   * A secret of your own (at least 16 characters) that keys the body digests kept with each record. Default: keyed
   * from the first `secret` (so replacing that secret changes them, and a redelivery of an event handled before the
   * change is reviewed as `webhook_id_reused` instead of acknowledged), or unkeyed SHA-256 with only `publicKey`.
   */
  digestKey?: string | undefined;
  /**
   * A handler threw or timed out, a store failed. `info.event` is `{ id, type }` only: the payload may hold personal
   * data. Default: the logger.
   */
  onError?: ((error: unknown, info: WebhookErrorInfo<TRequest> & { event?: { id: string; type: string | undefined } }) => unknown) | undefined;
}
