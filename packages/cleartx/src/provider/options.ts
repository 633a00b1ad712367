import type { EngineOptions, MaybePromise, WebhookErrorInfo } from "@siglume-middleware/core";
import type { ClearTxConfirmedData, ClearTxNotification, ClearTxReview, ClearTxRouteName } from "../event/types.js";
import type { ClearTxVerifier } from "../verify/verify.js";

/** Where the five endpoints are mounted unless `basePath` says otherwise. */
export const DEFAULT_CLEARTX_BASE_PATH = "/v1/notify";

/** What every ClearTX handler receives beside its payload. */
export interface ClearTxContext<TRequest = unknown> {
  /** The framework's own request object. */
  request: TRequest;
  /** The idempotency store's open transaction, when it has one (the PostgreSQL store's client). */
  transaction?: unknown;
  /** The endpoint it arrived at. */
  route: ClearTxRouteName;
  /** The idempotency key it runs under, e.g. "cleartx:confirmed:<transactionRef>". */
  key: string;
}

/**
 * The handlers of ClearTX's webhooks: `onNotification` for the four status endpoints and `onConfirmedData` for the
 * IVMS.101 data (both required). Each runs once per transfer and endpoint; a throw makes ClearTX retry.
 */
export interface ClearTxHandlers<TRequest = unknown> {
  /**
   * A CONFIRMED, DECLINED, REJECTED or BROADCASTED notification (narrow on `status`), once per
   * transfer and endpoint. Answered 200 after it returned; throw to have ClearTX retry it.
   */
  onNotification(notification: ClearTxNotification, ctx: ClearTxContext<TRequest>): MaybePromise<unknown>;
  /**
   * A /confirmed-data notification (IVMS.101 personal data, MAIN protocol), once per transfer.
   * Without it, these go to onReview (`unhandled_confirmed_data`).
   */
  onConfirmedData?: ((notification: ClearTxConfirmedData, ctx: ClearTxContext<TRequest>) => MaybePromise<unknown>) | undefined;
  /** A verified notification no handler can take (see ClearTxReviewReason), once per body. Answered 200. */
  onReview(review: ClearTxReview, ctx: ClearTxContext<TRequest>): MaybePromise<unknown>;
}

/**
 * Options of `clearTxWebhooks` (and `ClearTxWebhooksModule.forRoot`): the handlers, your `verify` function (required:
 * ClearTX has published no signing scheme), its timeout, the base path and the engine's options.
 */
export interface ClearTxOptions<TRequest = unknown> extends ClearTxHandlers<TRequest>, Omit<EngineOptions<TRequest>, "onError"> {
  /**
   * Decides whether a request comes from ClearTX, from the exact bytes and the headers, before anything
   * is parsed. Required: ClearTX has not published its signing scheme, so the check is yours.
   */
  verify?: ClearTxVerifier<TRequest> | undefined;
  /**
   * Default 5000: how long an asynchronous `verify` may take. Past it the request is answered 503
   * CLEARTX_VERIFIER_TIMEOUT (nothing runs; ClearTX retries) and onError is told.
   */
  verifyTimeoutMs?: number | undefined;
  /**
   * Start without `verify`: anyone who can reach the endpoints can post notifications. For local
   * development only; logged as a warning at start-up.
   */
  insecureSkipVerification?: boolean | undefined;
  /**
   * A secret of your own (at least 16 characters, e.g. `process.env.CLEARTX_DIGEST_KEY`) that keys the body digests
   * the idempotency store keeps. Without it they are plain SHA-256 (128 bits): someone who can read the store and
   * knows every other byte of a /confirmed-data body could test guesses of its IVMS.101 part. Best set at the first
   * deployment and kept: adding or changing it changes every record's digest, so a redelivery of a notification
   * handled before is reviewed as `transaction_ref_reused` (never run again), and an unreadable one reviewed again.
   */
  digestKey?: string | undefined;
  /** Default "/v1/notify": mounts /confirmed, /declined, /rejected, /broadcasted and /confirmed-data below it. */
  basePath?: string | undefined;
  /**
   * A handler threw or timed out, the verifier threw, a store failed. Default: the logger (without the
   * payload). `info.event` holds only the string fields that identify the transfer (transactionRef,
   * protocol, status, the two VASP DIDs, reasonCategory, txHash), never the rest of a payload, which may be
   * IVMS.101 personal data on any endpoint. `info.request` is your framework's request: where a body parser
   * ran first (NestJS), it holds the parsed body too, so do not log it whole.
   */
  onError?: ((error: unknown, info: WebhookErrorInfo<TRequest> & { route?: ClearTxRouteName }) => unknown) | undefined;
}
