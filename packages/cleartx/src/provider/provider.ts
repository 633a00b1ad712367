import {
  bodyDigest,
  configurationFailure,
  digestKeyFrom,
  positiveMs,
  resolveEngineOptions,
  type OncePlan,
  type Plan,
  type ReceivedRequest,
  type WebhookProvider,
  type WebhookResponse,
  type WebhookRoute,
  andThen,
  utf8Decode,
  utf8Encode,
  type MaybePromise,
} from "@siglume-middleware/core";
import { parseClearTxNotification } from "../event/parse.js";
import { CLEARTX_ROUTES, type ClearTxReview, type ClearTxRouteName } from "../event/types.js";
import {
  DEFAULT_VERIFY_TIMEOUT_MS,
  firstHeader,
  requestHeaders,
  runVerifier,
  verifierTimedOut,
  type ClearTxVerifyInput,
} from "../verify/verify.js";
import { DEFAULT_CLEARTX_BASE_PATH, type ClearTxContext, type ClearTxOptions } from "./options.js";

const PROVIDER = "cleartx";
const KEY_PREFIX = `${PROVIDER}:`;

/** ClearTX's documented answer once a notification is processed; also for duplicates and reviews. */
const RECEIVED: WebhookResponse = Object.freeze({
  status: 200,
  headers: Object.freeze({ "content-type": "application/json; charset=utf-8" }),
  body: JSON.stringify({ status: "received" }),
});

export interface ClearTxProvider<TRequest = unknown> extends WebhookProvider<TRequest> {
  /** The path of each endpoint, e.g. `paths.confirmed === "/v1/notify/confirmed"`. */
  readonly paths: Readonly<Record<ClearTxRouteName, string>>;
  /** False when started with `insecureSkipVerification: true`. */
  readonly verifies: boolean;
}

/** The fields onError's `info.event` keeps, on every endpoint: references and codes, never people. */
const REPORTED_FIELDS = ["transactionRef", "protocol", "status", "originatorVASPdid", "beneficiaryVASPdid"] as const;

/** The body as text for a review (UTF-8, as received; never `Uint8Array#toString`'s list of numbers). */
const bodyText = (body: Uint8Array | string): string => (typeof body === "string" ? body : utf8Decode(body));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What onError's `info.event` gets: of any payload, only the string fields that identify the transfer
 * (and a decline's or rejection's reason category, and a broadcast's transaction hash). Anything else may
 * be IVMS.101 personal data (names, addresses, account numbers), wherever a sender put it; reviews and
 * handlers get the whole payload, an error reporter does not.
 */
function eventInfo(payload: unknown): Record<string, string> | undefined {
  if (!isRecord(payload)) return undefined;
  const reported: Record<string, string> = {};
  for (const field of REPORTED_FIELDS) {
    const value = Object.hasOwn(payload, field) ? payload[field] : undefined;
    if (typeof value === "string") reported[field] = value;
  }
  const reason = Object.hasOwn(payload, "reason") ? payload.reason : undefined;
  if (isRecord(reason) && typeof reason.category === "string") reported.reasonCategory = reason.category;
  const chain = Object.hasOwn(payload, "transactionBlockchainInfo") ? payload.transactionBlockchainInfo : undefined;
  if (isRecord(chain) && typeof chain.txHash === "string") reported.txHash = chain.txHash;
  return reported;
}

/** The five endpoints below `basePath` (validated: a configuration error names a bad one). */
export function clearTxRoutes(basePath: unknown = DEFAULT_CLEARTX_BASE_PATH, fail: (message: string) => never = configurationFailure(PROVIDER)): WebhookRoute[] {
  if (typeof basePath !== "string" || (basePath !== "" && !basePath.startsWith("/")) || /[\s?#]/.test(basePath)) {
    fail(`basePath must be a path starting with "/", like "${DEFAULT_CLEARTX_BASE_PATH}"; got ${JSON.stringify(basePath)}.`);
  }
  const base = (basePath as string).replace(/\/+$/, "");
  return CLEARTX_ROUTES.map((name) => ({ name, path: `${base}/${name}` }));
}

/**
 * ClearTX travel-rule notifications as a provider:
 * `app.use(webhookRouter(clearTxWebhooks({ verify, onNotification, onReview })))`.
 *
 * Five endpoints below `basePath`. Your `verify` sees the exact bytes and the headers before anything
 * is parsed (ClearTX's signing scheme is not public); `false` or a throw is 401. A verified
 * notification runs once per transfer and endpoint (`cleartx:<endpoint>:<transactionRef>`) and is
 * answered `200 {"status":"received"}` after the handler returned; one that is not what its endpoint
 * receives goes to `onReview`, answered 200 too (ClearTX would resend a refused one unchanged for 24
 * hours). Payloads never reach the logger: log lines carry the endpoint, a code and the transactionRef.
 */
export function clearTxWebhooks<TRequest = unknown>(options: ClearTxOptions<TRequest>): ClearTxProvider<TRequest> {
  const fail = configurationFailure(PROVIDER);
  if (typeof options !== "object" || options === null) fail("options are required.");
  const { verify, insecureSkipVerification, onNotification, onConfirmedData, onReview } = options;
  if (typeof onNotification !== "function") {
    fail("onNotification is required: it receives the CONFIRMED, DECLINED, REJECTED and BROADCASTED notifications.");
  }
  if (typeof onReview !== "function") {
    fail(
      "onReview is required: verified notifications that cannot be read go there, answered 200 (ClearTX would resend a " +
        "refused one for 24 hours). Without it they would be acknowledged with no record.",
    );
  }
  if (onConfirmedData !== undefined && typeof onConfirmedData !== "function") fail("onConfirmedData must be a function when given.");
  if (insecureSkipVerification !== undefined && typeof insecureSkipVerification !== "boolean") {
    fail("insecureSkipVerification must be true or false.");
  }
  if (verify !== undefined && typeof verify !== "function") fail("verify must be a function: ({ rawBody, headers }) => boolean.");
  if (verify === undefined && insecureSkipVerification !== true) {
    fail(
      "verify is required. ClearTX has not published how it signs notifications, so this app must say how to check " +
        "them: verify: ({ rawBody, headers }) => boolean, over the exact bytes received. To accept notifications " +
        "unchecked (local development only), pass insecureSkipVerification: true.",
    );
  }
  if (verify !== undefined && insecureSkipVerification === true) {
    fail("verify and insecureSkipVerification: true were both given. Pass verify, or (local development only) the opt-out.");
  }
  const verifyTimeoutMs = positiveMs(options.verifyTimeoutMs, DEFAULT_VERIFY_TIMEOUT_MS, "verifyTimeoutMs", fail, { timer: true });
  const digestKey = digestKeyFrom(options.digestKey, "cleartx", fail);
  const routes = clearTxRoutes(options.basePath ?? DEFAULT_CLEARTX_BASE_PATH, fail);

  const engine = resolveEngineOptions(options as Parameters<typeof resolveEngineOptions<TRequest>>[0], PROVIDER);
  const { logger } = engine;
  const verifyTimeout = { ms: verifyTimeoutMs, error: verifierTimedOut(verifyTimeoutMs, engine.retryAfterSeconds) };
  if (verify === undefined) {
    logger.warn(
      "ClearTX notifications are NOT verified (insecureSkipVerification: true): anyone who can reach " +
        `${routes[0]!.path.replace(/\/confirmed$/, "")}/* can post transfer notifications your handlers will act on. ` +
        "For local development only.",
      { provider: PROVIDER, code: "CLEARTX_VERIFICATION_SKIPPED" },
    );
  }
  const report = (error: unknown, request: TRequest, info: Record<string, unknown>) =>
    engine.report(error, { provider: PROVIDER, request, ...info });

  const contextFor = (received: ReceivedRequest<TRequest>, route: ClearTxRouteName, key: string): ClearTxContext<TRequest> => ({
    request: received.request,
    transaction: undefined,
    route,
    key,
  });

  /** Runs onReview once under `key`; `reused` when the key is a transfer's (another body then is reviewed too). */
  function reviewPlan(review: ClearTxReview, received: ReceivedRequest<TRequest>, key: string, digest: string, reused?: () => Plan): OncePlan {
    const ctx = contextFor(received, review.route, key);
    return {
      kind: "once",
      key,
      type: `${PROVIDER}.${review.route}`,
      digest,
      outcome: `review:${review.reason}`,
      run(transaction) {
        ctx.transaction = transaction;
        // The endpoint, the reason and the reference: never the payload, which may hold personal data.
        logger.warn("A ClearTX notification went to review.", {
          provider: PROVIDER,
          route: review.route,
          code: review.reason,
          transactionRef: review.transactionRef,
        });
        return onReview(review, ctx);
      },
      acknowledge: RECEIVED,
      reused,
      info: { event: eventInfo(review.payload), key, route: review.route },
    };
  }

  /**
   * A readable notification of one transfer: `run` once under `cleartx:<route>:<transactionRef>`. The
   * same key completed before with another body is not a duplicate: that body is reviewed, once.
   */
  function transferPlan(
    received: ReceivedRequest<TRequest>,
    route: ClearTxRouteName,
    payload: unknown,
    transactionRef: string,
    digest: string,
    handle: { outcome: string; run: (ctx: ClearTxContext<TRequest>) => unknown } | { review: ClearTxReview },
  ): OncePlan {
    const key = `${KEY_PREFIX}${route}:${transactionRef.toLowerCase()}`;
    const reused = () =>
      reviewPlan(
        {
          reason: "transaction_ref_reused",
          message: `this transfer's ${route} notification was handled before with another body, so this one reached no handler`,
          route,
          transactionRef,
          payload,
          rawBody: bodyText(received.body),
        },
        received,
        `${key}#reused:${digest}`,
        digest,
      );
    if ("review" in handle) return reviewPlan(handle.review, received, key, digest, reused);
    const ctx = contextFor(received, route, key);
    return {
      kind: "once",
      key,
      type: `${PROVIDER}.${route}`,
      digest,
      outcome: handle.outcome,
      run(transaction) {
        ctx.transaction = transaction;
        return handle.run(ctx);
      },
      acknowledge: RECEIVED,
      reused,
      info: { event: eventInfo(payload), key, route },
    };
  }

  function plan(received: ReceivedRequest<TRequest>, route: ClearTxRouteName): MaybePromise<Plan> {
    return andThen(bodyDigest(received.body, digestKey), (digest) => planWithDigest(received, route, digest));
  }

  function planWithDigest(received: ReceivedRequest<TRequest>, route: ClearTxRouteName, digest: string): Plan {
    const { body } = received;
    const text = () => bodyText(body);
    const parsed = parseClearTxNotification(route, body);
    if (!parsed.ok) {
      // Keyed by the body: once per body, never taking the transfer's own key from a readable notification.
      const { problem, transactionRef, payload } = parsed;
      const review: ClearTxReview = { ...problem, route, transactionRef, payload, rawBody: text() };
      return reviewPlan(review, received, `${KEY_PREFIX}${route}:review:${digest}`, digest);
    }
    const { transactionRef } = parsed;
    if (parsed.route === "confirmed-data") {
      const notification = parsed.payload;
      if (onConfirmedData === undefined) {
        const review: ClearTxReview = {
          reason: "unhandled_confirmed_data",
          message: "a confirmed-data notification arrived, and no onConfirmedData handler takes it",
          route,
          transactionRef,
          payload: notification,
          rawBody: text(),
        };
        return transferPlan(received, route, notification, transactionRef, digest, { review });
      }
      return transferPlan(received, route, notification, transactionRef, digest, {
        outcome: "confirmed_data",
        run: (ctx) => onConfirmedData(notification, ctx),
      });
    }
    const notification = parsed.payload;
    return transferPlan(received, route, notification, transactionRef, digest, {
      outcome: `notification:${notification.status}`,
      run: (ctx) => onNotification(notification, ctx),
    });
  }

  return {
    name: PROVIDER,
    displayName: "ClearTX",
    routes,
    engine,
    paths: Object.freeze(Object.fromEntries(routes.map((r) => [r.name, r.path]))) as Record<ClearTxRouteName, string>,
    verifies: verify !== undefined,

    receive(received): MaybePromise<Plan> {
      const route = received.route.name as ClearTxRouteName;
      if (verify === undefined) return plan(received, route);
      const headers = requestHeaders(received);
      const input: ClearTxVerifyInput<TRequest> = {
        rawBody: typeof received.body === "string" ? utf8Encode(received.body) : received.body,
        headers,
        header: firstHeader(headers),
        route,
        path: received.route.path,
        request: received.request,
      };
      const verified = runVerifier(verify, input, (error) => report(error, received.request, { route }), verifyTimeout);
      return verified === undefined ? plan(received, route) : verified.then(() => plan(received, route));
    },
  };
}
