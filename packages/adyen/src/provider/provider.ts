import {
  bodyDigest,
  andThen,
  configurationFailure,
  recordLabel,
  resolveEngineOptions,
  SiglumeWebhookError,
  type Plan,
  type ReceivedRequest,
  type WebhookProvider,
  type WebhookResponse,
} from "@siglume-middleware/core";
import { basicAuthChecker } from "../auth/basic.js";
import { parseAdyenWebhook, type AdyenWebhook } from "../event/parse.js";
import {
  AUTHENTICATION_CREATED,
  RELAYED_AUTHENTICATION,
  type AuthenticationDecision,
  type RelayedAuthenticationRequest,
} from "../event/types.js";
import { adyenHmacKeys, HMAC_HEADER, verifyAdyenHmac } from "../signature/hmac.js";
import {
  ADYEN_DECISION_LIMIT_MS,
  DEFAULT_ADYEN_PATH,
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_RESULT_HANDLER_TIMEOUT_MS,
  type AdyenAuthenticationOptions,
  type AdyenContext,
  type AdyenRelayedContext,
} from "./options.js";

const JSON_HEADERS = Object.freeze({ "content-type": "application/json; charset=utf-8" });
const decisionBody = (status: AuthenticationDecision) => JSON.stringify({ authenticationDecision: { status } });
const PROCEED = decisionBody("proceed");
const REFUSED = decisionBody("refused");
/** A relayed decision's answer body for the handler's result; undefined when it is not a decision. */
const relayedBody = (decision: unknown) => (decision === "proceed" ? PROCEED : decision === "refused" ? REFUSED : undefined);
/** What the record says a relayed decision was ("relayed:proceed", "relayed:refused:fallback"). */
const relayedOutcome = (body: string, reason: "decided" | "fallback") =>
  `relayed:${body === PROCEED ? "proceed" : "refused"}${reason === "fallback" ? ":fallback" : ""}`;
/** What Adyen's other Balance Platform webhooks expect, and a 2xx for these: `[accepted]`. */
const ACCEPTED: WebhookResponse = Object.freeze({
  status: 200,
  headers: JSON_HEADERS,
  body: JSON.stringify({ notificationResponse: "[accepted]" }),
});

export interface AdyenAuthenticationProvider<TRequest = unknown> extends WebhookProvider<TRequest> {
  /** Check values of the configured HMAC keys, in order (safe to show). */
  readonly keyCheckValues: readonly string[];
}

/**
 * Adyen Balance Platform authentication webhooks as a provider:
 * `app.use(webhookRouter(adyenAuthenticationWebhooks({ … })))`.
 *
 * Basic auth (checked before the body is read) and `HmacSignature` over the
 * raw bytes; relayed authentications answered `200 {"authenticationDecision":…}`
 * within `decisionTimeoutMs` whatever happens (the handler runs once per
 * challenge id; copies wait for its decision; a repeat gets the decision that
 * was sent); result notifications run once and are acknowledged `[accepted]`.
 */
export function adyenAuthenticationWebhooks<TRequest = unknown>(
  options: AdyenAuthenticationOptions<TRequest>,
): AdyenAuthenticationProvider<TRequest> {
  const name = options?.name;
  const provider = name === undefined ? "adyen" : `adyen:${name}`;
  const fail = configurationFailure(provider);
  if (typeof options !== "object" || options === null) fail("options are required.");
  if (typeof options.onRelayedAuthentication !== "function") {
    fail("onRelayedAuthentication is required: it decides relayed authentications (return \"proceed\" or \"refused\").");
  }
  if (typeof options.onAuthenticationResult !== "function") {
    fail(
      "onAuthenticationResult is required: without it Adyen's authentication outcomes would be acknowledged with no " +
        "record.",
    );
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") fail("onEvent must be a function when given.");
  if (name !== undefined && (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(name))) {
    fail("name must be 1–40 letters, digits, '_' or '-'.");
  }

  const keys = adyenHmacKeys(options.hmacKey, fail);
  if (options.basicAuth === undefined) {
    fail(
      "basicAuth is required: { username, password } as set for this webhook in the Customer Area. To rely on the " +
        "HMAC alone, pass basicAuth: false.",
    );
  }
  const { basicAuth } = options;
  if (basicAuth !== false && (typeof basicAuth?.username !== "string" || typeof basicAuth.password !== "string" || basicAuth.username === "" || basicAuth.password === "")) {
    fail("basicAuth must be { username, password } (non-empty strings), or false.");
  }
  const checkBasicAuth = basicAuth === false ? undefined : basicAuthChecker(basicAuth!);

  const path = options.path ?? DEFAULT_ADYEN_PATH;
  if (typeof path !== "string" || !path.startsWith("/")) fail(`path must start with "/", got ${JSON.stringify(path)}.`);
  const decisionTimeoutMs = options.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS;
  if (!Number.isSafeInteger(decisionTimeoutMs) || decisionTimeoutMs <= 0 || decisionTimeoutMs >= ADYEN_DECISION_LIMIT_MS) {
    fail(`decisionTimeoutMs must be a whole number of ms below Adyen's ${ADYEN_DECISION_LIMIT_MS} ms, got ${decisionTimeoutMs}.`);
  }
  const { environment } = options;
  if (environment !== undefined && environment !== "live" && environment !== "test") fail('environment must be "live" or "test".');
  if (options.unsafeProceedOnFailure !== undefined && typeof options.unsafeProceedOnFailure !== "boolean") {
    fail("unsafeProceedOnFailure must be true or false.");
  }

  const engine = resolveEngineOptions(options as Parameters<typeof resolveEngineOptions<TRequest>>[0], provider, {
    handlerTimeoutMs: DEFAULT_RESULT_HANDLER_TIMEOUT_MS,
  });
  const { logger } = engine;
  keys.forEach((key, index) => logger.info("Adyen HMAC key configured", { provider, key: index, kcv: key.kcv }));
  if (basicAuth === false) logger.warn("Adyen Basic authentication is off (basicAuth: false): only the HMAC is checked.", { provider });
  const fallback = options.unsafeProceedOnFailure === true ? PROCEED : REFUSED;
  if (fallback === PROCEED) {
    logger.warn(
      "unsafeProceedOnFailure is on: a relayed authentication with no decision in time, or whose handler failed, is " +
        "answered proceed, approving a cardholder nobody decided on.",
      { provider },
    );
  }
  // What a request we must not decide on gets, whatever unsafeProceedOnFailure says: that option covers a
  // missing or failed decision, never a request from the wrong environment, unreadable, or altered.
  const refusedResponse: WebhookResponse = Object.freeze({ status: 200, headers: JSON_HEADERS, body: REFUSED });
  const keyPrefix = `${provider}:`;
  const report = (error: unknown, request: TRequest, info: Record<string, unknown>) =>
    engine.report(error, { provider, request, ...info });

  /** A relayed request we must not decide on: the fallback answer, reported. */
  function refuse(reason: string, request: TRequest, event: unknown): Plan {
    report(new SiglumeWebhookError("ADYEN_RELAYED_REFUSED", reason, { status: 200 }), request, { event });
    return { kind: "answer", response: refusedResponse, refusal: "ADYEN_RELAYED_REFUSED" };
  }

  function relayedPlan(payload: RelayedAuthenticationRequest, received: ReceivedRequest<TRequest>, digest: string): Plan {
    const { request } = received;
    if (environment !== undefined && payload.environment !== environment) {
      return refuse(environmentMessage(payload.environment, environment), request, payload);
    }
    const key = `${keyPrefix}authentication.relayed:${payload.id}`;
    const ctx: AdyenRelayedContext<TRequest> = {
      request,
      transaction: undefined,
      name,
      deadline: Date.now() + Math.max(0, received.receivedAt + decisionTimeoutMs - performance.now()),
    };
    return {
      kind: "decision",
      key,
      type: RELAYED_AUTHENTICATION,
      digest,
      deadlineAt: received.receivedAt + decisionTimeoutMs,
      run(transaction) {
        ctx.transaction = transaction;
        return options.onRelayedAuthentication(payload, ctx);
      },
      body: relayedBody,
      fallback,
      status: 200,
      headers: JSON_HEADERS,
      outcome: relayedOutcome,
      reused: () =>
        refuse(
          `Relayed authentication ${payload.id} arrived again with a different body; it was refused. A relayed request ` +
            "is only ever decided once, on the body that first arrived.",
          request,
          payload,
        ),
      info: { event: payload, key },
    };
  }

  /** The plan for a verified, parsed webhook. */
  function planFor(webhook: AdyenWebhook, received: ReceivedRequest<TRequest>, digest: string): Plan {
    const { request } = received;
    if (webhook.kind === "relayed") return relayedPlan(webhook.payload as RelayedAuthenticationRequest, received, digest);

    const payload = webhook.payload;
    if (environment !== undefined && payload.environment !== environment) {
      throw new SiglumeWebhookError("ADYEN_ENVIRONMENT_MISMATCH", environmentMessage(payload.environment, environment), {
        status: 401,
      });
    }
    const ctx: AdyenContext<TRequest> = { request, transaction: undefined, name };
    if (webhook.kind === "result") {
      const notification = webhook.payload;
      const key = `${keyPrefix}authentication.created:${notification.data.id}`; // an eventIdSchema id
      const resultPlan = (planKey: string): Plan => ({
        kind: "once",
        key: planKey,
        type: AUTHENTICATION_CREATED,
        digest,
        outcome: `result:${recordLabel(notification.data.status, "unknown")}`,
        run(transaction) {
          ctx.transaction = transaction;
          return options.onAuthenticationResult(notification, ctx);
        },
        acknowledge: ACCEPTED,
        // A notification id seen before with another body is handled as its own notification, once.
        reused: planKey === key ? () => resultPlan(`${key}#${digest}`) : undefined,
        info: { event: notification, key: planKey },
      });
      return resultPlan(key);
    }

    const { onEvent } = options;
    const type = typeof payload.type === "string" ? payload.type : "(no type)";
    if (onEvent === undefined) {
      logger.warn("An Adyen webhook this endpoint does not handle was acknowledged (add onEvent to handle it).", { provider, type });
      return { kind: "answer", response: ACCEPTED };
    }
    const data = payload.data as { id?: unknown } | undefined;
    // Both parts key the store's record: anything an id could not be is replaced by the body's digest.
    const label = recordLabel(type, "event");
    const key = `${keyPrefix}${label}:${recordLabel(data?.id, digest)}`;
    return {
      kind: "once",
      key,
      type: label,
      digest,
      outcome: `event:${label}`,
      run(transaction) {
        ctx.transaction = transaction;
        return onEvent(payload, ctx);
      },
      acknowledge: ACCEPTED,
      info: { event: payload, key },
    };
  }

  return {
    name: provider,
    displayName: "Adyen",
    routes: [{ path, name: "authentication" }],
    signatureHeader: HMAC_HEADER,
    engine,
    keyCheckValues: keys.map((key) => key.kcv),

    preflight: checkBasicAuth === undefined ? undefined : ({ header }) => checkBasicAuth(header("authorization")),

    receive(received) {
      const { body, header } = received;
      return andThen(verifyAdyenHmac(body, header(HMAC_HEADER), keys), () => {
        const webhook = parseAdyenWebhook(body);
        if (webhook.kind === "relayed" && webhook.problem !== undefined) {
          return refuse(`A relayed authentication that cannot be read was refused: ${webhook.problem}.`, received.request, undefined);
        }
        return andThen(bodyDigest(body), (digest) => planFor(webhook, received, digest));
      });
    },
  };
}

function environmentMessage(got: unknown, expected: string): string {
  const from = typeof got === "string" ? `Adyen's ${got} environment` : "no stated environment";
  return (
    `This webhook comes from ${from}, but this endpoint is configured for environment "${expected}". A ${
      expected === "live" ? "test" : "live"
    } webhook configuration (or HMAC key) pointing at this endpoint is a common mistake.`
  );
}
