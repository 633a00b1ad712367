import {
  all,
  andThen,
  configurationFailure,
  digestKeyFrom,
  isPromiseLike,
  noContent,
  recordLabel,
  resolveEngineOptions,
  utf8Decode,
  type MaybePromise,
  type Plan,
  type ReceivedRequest,
  type WebhookProvider,
  type WebhookResponse,
} from "@siglume-middleware/core";
import { fieldReaders } from "../event/readers.js";
import { recogniseOtp, recogniseTokenEvent, redactOtp } from "../event/recognise.js";
import { keyHint, pomeloSigningKeys, type PomeloSigningKey } from "../signature/keys.js";
import { pomeloBodyDigester, pomeloDigestPrefix } from "./digest.js";
import { FirstOtpPlan, ReviewPlan, TokenPlan, type PlanKit } from "./plans.js";
import { POMELO_HEADERS, signPomeloAnswer, verifyPomeloRequest, type VerifiedPomeloRequest } from "../signature/verify.js";
import {
  DEFAULT_POMELO_TOLERANCE_SECONDS,
  resolvePomeloPaths,
  type PomeloContext,
  type PomeloOptions,
} from "./options.js";

type RouteName = "tokens" | "otp";

/** How many arrival paths per route keep their endpoint list (a router mounted under a few prefixes). */
const MAX_ARRIVED_PATHS = 16;
/** How many token statuses keep their record outcome (Pomelo sends a few; a sender sending many builds the rest). */
const MAX_KEPT_OUTCOMES = 32;
/** Longer statuses are not kept (record labels stop at 120 characters anyway: such a status is "unknown"). */
const MAX_KEPT_STATUS_LENGTH = 120;

const parseJson = (body: Uint8Array | string): unknown => {
  try {
    return JSON.parse(typeof body === "string" ? body : utf8Decode(body));
  } catch {
    return undefined;
  }
};

export interface PomeloProvider<TRequest = unknown> extends WebhookProvider<TRequest> {
  /** The api keys configured, by their first characters (safe to show). */
  readonly apiKeyHints: readonly string[];
}

/**
 * Pomelo's token-lifecycle and tokenization-OTP webhooks as a provider:
 * `app.use(webhookRouter(pomeloWebhooks({ … })))`. Both endpoints check
 * X-Api-Key, X-Signature over the exact bytes, X-Endpoint and X-Timestamp;
 * every verified OTP reaches onOtp (never logged, stored or echoed), token
 * events onTokenEvent or, unreadable, onReview; each runs once; 204.
 */
export function pomeloWebhooks<TRequest = unknown>(options: PomeloOptions<TRequest>): PomeloProvider<TRequest> {
  const name = options?.name;
  const provider = name === undefined ? "pomelo" : `pomelo:${name}`;
  const fail = configurationFailure(provider);
  if (typeof options !== "object" || options === null) fail("options are required.");
  for (const handler of ["onTokenEvent", "onOtp", "onReview"] as const) {
    if (typeof options[handler] !== "function") {
      fail(
        handler === "onReview"
          ? "onReview is required: verified token webhooks that cannot be read go there instead of being acknowledged unrecorded."
          : `${handler} is required.`,
      );
    }
  }
  if (name !== undefined && (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(name))) fail("name must be 1–40 letters, digits, '_' or '-'.");
  const keys = pomeloSigningKeys(options.apiKeys, fail);
  // Digests and id-less keys are keyed by digestKey, else from the first pair's secret, whichever pair signed: the
  // same event resent under another pair during a rotation is still recognised. Without digestKey, removing the
  // first pair changes them (documented on the option).
  const identity = digestKeyFrom(options.digestKey, "pomelo", fail) ?? [...keys.values()][0]!.derived;
  const bodyDigest = pomeloBodyDigester(pomeloDigestPrefix(identity));

  const paths = resolvePomeloPaths(options.paths);
  for (const [route, path] of Object.entries(paths)) {
    if (typeof path !== "string" || !path.startsWith("/")) fail(`paths.${route} must start with "/", got ${JSON.stringify(path)}.`);
  }
  if (paths.tokens === paths.otp) fail("paths.tokens and paths.otp must differ: each is its own endpoint in Pomelo.");
  const publicPaths = { ...paths, ...definedOnly(options.publicPaths) };
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_POMELO_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) fail("toleranceSeconds must be a number ≥ 0.");
  const signResponses = options.signResponses ?? false;
  if (typeof signResponses !== "boolean") fail("signResponses must be true or false.");

  const engine = resolveEngineOptions(options as Parameters<typeof resolveEngineOptions<TRequest>>[0], provider);
  engine.logger.info("Pomelo api keys configured", { provider, apiKeys: [...keys.keys()].map(keyHint) });
  if (keys.size > 1 && options.digestKey === undefined) {
    engine.logger.warn(
      `Several Pomelo api keys and no digestKey: events without an id are recognised by a digest keyed from the first ` +
        `pair (${keyHint([...keys.keys()][0]!)}), so removing that pair when the rotation ends would let a redelivery of ` +
        "one run again. Set digestKey (a secret of your own) before removing it.",
      { provider, code: "POMELO_DIGEST_KEY_MISSING" },
    );
  }
  const readers = fieldReaders(options.recognise, fail, engine.logger, provider);
  /** What a reviewed token payload shows: code fields redacted, and the code the app's otpCode reader finds. */
  const redacted = (payload: unknown) => redactOtp(payload, readers?.otpCode === undefined ? undefined : recogniseOtp(payload, readers).code);
  const keyPrefix = `${provider}:`;

  /** The answer: 204, or, with signResponses, signed like Pomelo's examples (over an empty body). */
  function acknowledge(signer: PomeloSigningKey, endpoint: string): MaybePromise<WebhookResponse> {
    if (!signResponses) return noContent;
    const timestamp = Math.floor(Date.now() / 1000);
    return andThen(signPomeloAnswer(signer.key, timestamp, endpoint, ""), (signature) => ({
      status: 204,
      headers: {
        [POMELO_HEADERS.endpoint]: endpoint,
        [POMELO_HEADERS.timestamp]: String(timestamp),
        [POMELO_HEADERS.signature]: signature,
        [POMELO_HEADERS.apiKey]: signer.apiKey,
      },
      body: undefined,
    }));
  }
  const kit: PlanKit<TRequest> = { handlers: options, redacted };
  /** The record's outcome for a token status, kept per status (a handful) rather than built per delivery. */
  const outcomes = new Map<string, string>();
  function tokenOutcome(status: string): string {
    let outcome = outcomes.get(status);
    if (outcome === undefined) {
      outcome = `token:${recordLabel(status, "unknown")}`;
      if (outcomes.size < MAX_KEPT_OUTCOMES && status.length <= MAX_KEPT_STATUS_LENGTH) outcomes.set(status, outcome);
    }
    return outcome;
  }
  /** The record's key: the event's own id, else the body's keyed digest (the route is in the key). */
  const keyFor = (route: RouteName, eventId: string | undefined, digest: string): string =>
    eventId !== undefined ? `${keyPrefix}${route}:${eventId}` : `${keyPrefix}${route}:h:${digest}`;

  // Pomelo signs the path it posts to: the route's (or public) path, or the path the request arrived at
  // (a router mounted under a prefix, NestJS's global prefix). The lists are built once per path seen.
  const routeEndpoints: Record<RouteName, string[]> = { tokens: [publicPaths.tokens, paths.tokens], otp: [publicPaths.otp, paths.otp] };
  const arrivedEndpoints: Record<RouteName, Map<string, string[]>> = { tokens: new Map(), otp: new Map() };
  function endpointsFor(routeName: RouteName, arrived: string | undefined): readonly string[] {
    if (arrived === undefined) return routeEndpoints[routeName];
    const known = arrivedEndpoints[routeName];
    let endpoints = known.get(arrived);
    if (endpoints === undefined) {
      endpoints = [...routeEndpoints[routeName], arrived, arrived.length > 1 && arrived.endsWith("/") ? arrived.slice(0, -1) : arrived];
      if (known.size < MAX_ARRIVED_PATHS) known.set(arrived, endpoints);
    }
    return endpoints;
  }

  // Synchronous on Node from verification to plan: a closure is made only where something is awaited (WebCrypto).
  function receive(received: ReceivedRequest<TRequest>): MaybePromise<Plan> {
    const { body, header, route } = received;
    const endpoints = endpointsFor(route.name as RouteName, received.path);
    const verified = verifyPomeloRequest(body, header, keys, { endpoints, toleranceSeconds, now: Math.floor(Date.now() / 1000) });
    return isPromiseLike(verified) ? verified.then((request) => digested(received, request)) : digested(received, verified);
  }

  /** The verified request's body digest (and, with signResponses, its signed answer), then its plan. */
  function digested(received: ReceivedRequest<TRequest>, request: VerifiedPomeloRequest): MaybePromise<Plan> {
    const digest = bodyDigest(received.body);
    if (signResponses) {
      return andThen(all<string | WebhookResponse>([digest, acknowledge(request.signer, request.endpoint)]), ([value, ack]) =>
        planFor(received, request, value as string, ack as WebhookResponse),
      );
    }
    return isPromiseLike(digest) ? digest.then((value) => planFor(received, request, value, noContent)) : planFor(received, request, digest, noContent);
  }

  /** The plan for a verified request. */
  function planFor(received: ReceivedRequest<TRequest>, verified: VerifiedPomeloRequest, digest: string, ack: WebhookResponse): Plan {
    const { body, request, route } = received;
    const { signer, timestamp } = verified;
    const payload = parseJson(body);
    const ctx: PomeloContext<TRequest> = { request, transaction: undefined, apiKey: signer.apiKey, signedAt: timestamp, name };

    if ((route.name as RouteName) === "otp") {
      const otp = recogniseOtp(payload, readers);
      return new FirstOtpPlan(keyFor("otp", otp.eventId, digest), digest, ack, ctx, kit, otp);
    }
    const event = recogniseTokenEvent(payload, readers);
    if (typeof event === "string") {
      const review = { reason: "unreadable_token_event", detail: event, payload: redacted(payload) } as const;
      return new ReviewPlan(`${keyFor("tokens", undefined, digest)}:review`, digest, ack, ctx, kit, review);
    }
    return new TokenPlan(keyFor("tokens", event.eventId, digest), digest, ack, ctx, kit, tokenOutcome(event.status), event);
  }

  return {
    name: provider,
    displayName: "Pomelo",
    routes: [
      { path: paths.tokens, name: "tokens" },
      { path: paths.otp, name: "otp" },
    ],
    signatureHeader: POMELO_HEADERS.signature,
    engine,
    apiKeyHints: [...keys.keys()].map(keyHint),
    receive,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
