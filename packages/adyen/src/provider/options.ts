import type { EngineOptions, MaybePromise, WebhookErrorInfo } from "@siglume-middleware/core";
import type { BasicAuthCredentials } from "../auth/basic.js";
import type {
  AdyenOtherWebhook,
  AuthenticationDecision,
  AuthenticationNotification,
  RelayedAuthenticationRequest,
} from "../event/types.js";

/** The route Adyen's authentication webhook is mounted at by default: `/webhooks/adyen/authentication`. */
export const DEFAULT_ADYEN_PATH = "/webhooks/adyen/authentication";
/**
 * How long a relayed decision may take by default: 1.5 s from the request's arrival, leaving room inside Adyen's 2 s;
 * past it the answer is `"refused"`.
 */
export const DEFAULT_DECISION_TIMEOUT_MS = 1500;
/** Adyen waits at most 2 s for a relayed decision; the deadline must leave room for the network. */
export const ADYEN_DECISION_LIMIT_MS = 2000;
/** Result notifications: Adyen waits 10 s for a 2xx. */
export const DEFAULT_RESULT_HANDLER_TIMEOUT_MS = 8000;

/** What every Adyen handler receives beside its payload. */
export interface AdyenContext<TRequest = unknown> {
  /** The framework's own request object. */
  request: TRequest;
  /** The idempotency store's open transaction, when it has one (the PostgreSQL store's client). */
  transaction?: unknown;
  /** The instance's name, when two Adyen platforms are mounted. */
  name?: string | undefined;
}

export interface AdyenRelayedContext<TRequest = unknown> extends AdyenContext<TRequest> {
  /** Date.now() by which the decision is answered, whatever the handler does. */
  deadline: number;
}

/**
 * The handlers of Adyen's authentication webhook: `onRelayedAuthentication` decides within the deadline,
 * `onAuthenticationResult` records the outcome (both required).
 */
export interface AdyenAuthenticationHandlers<TRequest = unknown> {
  /**
   * Decide a relayed authentication: "proceed" or "refused". Answered within decisionTimeoutMs of the
   * request's arrival whatever happens: a throw, an overrun or anything else answers "refused".
   */
  onRelayedAuthentication(
    request: RelayedAuthenticationRequest,
    ctx: AdyenRelayedContext<TRequest>,
  ): MaybePromise<AuthenticationDecision>;
  /** `balancePlatform.authentication.created`, once per notification. Throw to have Adyen retry it. */
  onAuthenticationResult(notification: AuthenticationNotification, ctx: AdyenContext<TRequest>): MaybePromise<unknown>;
  /** Any other webhook type at this endpoint. Without it, they are acknowledged and logged (type only). */
  onEvent?: ((webhook: AdyenOtherWebhook, ctx: AdyenContext<TRequest>) => MaybePromise<unknown>) | undefined;
}

/**
 * Options of `adyenAuthenticationWebhooks` (and `AdyenWebhooksModule.forRoot`): the handlers, the HMAC key(s), the
 * Basic credentials (or `false`), the decision deadline and the engine's options. Checked at start-up: a missing key
 * or credentials throw a `SiglumeConfigurationError` there.
 */
export interface AdyenAuthenticationOptions<TRequest = unknown>
  extends AdyenAuthenticationHandlers<TRequest>,
    Omit<EngineOptions<TRequest>, "onError"> {
  /** The webhook's HMAC key from the Customer Area, hex; several (new first) during rotation. */
  hmacKey: string | readonly string[] | undefined;
  /** The webhook's Basic authentication, required; `false` opts out by name (the HMAC alone then proves the body). */
  basicAuth: BasicAuthCredentials | false | undefined;
  /** Default "/webhooks/adyen/authentication". */
  path?: string | undefined;
  /** Relayed decisions are answered by this many ms after the request arrived. Default 1500; below 2000. */
  decisionTimeoutMs?: number | undefined;
  /** "live" or "test": webhooks from the other environment are refused. Default: both accepted. */
  environment?: "live" | "test" | undefined;
  /**
   * Answer "proceed" instead of "refused" when no decision comes in time or the handler fails. This
   * approves cardholders nobody decided on; a warning is logged at start-up.
   */
  unsafeProceedOnFailure?: boolean | undefined;
  /** A name for this instance, when one app serves two Adyen platforms (keys and logs carry it). */
  name?: string | undefined;
  /** A handler threw or timed out, a decision was refused by default, a store failed. Default: the logger. */
  onError?:
    | ((error: unknown, info: WebhookErrorInfo<TRequest> & { event?: RelayedAuthenticationRequest | AuthenticationNotification | AdyenOtherWebhook }) => unknown)
    | undefined;
}
