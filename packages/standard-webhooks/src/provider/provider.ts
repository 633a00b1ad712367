import {
  SiglumeWebhookError,
  andThen,
  bodyDigest,
  configurationFailure,
  derivedKey,
  digestKeyFrom,
  noContent,
  recordLabel,
  resolveEngineOptions,
  utf8Decode,
  type MaybePromise,
  type OncePlan,
  type Plan,
  type ReceivedRequest,
  type WebhookProvider,
} from "@siglume-middleware/core";
import { checkPayload, isStandardSchema, type PayloadResult } from "../event/schema.js";
import type { StandardWebhookPayload, StandardWebhookReview, StandardWebhookReviewReason } from "../event/types.js";
import { STANDARD_HEADERS } from "../signature/headers.js";
import { standardPublicKeys, standardSecrets } from "../signature/keys.js";
import { DEFAULT_STANDARD_TOLERANCE_SECONDS, verifyStandardRequest, type VerifiedStandardWebhook } from "../signature/verify.js";
import {
  DEFAULT_STANDARD_HANDLER_TIMEOUT_MS,
  DEFAULT_STANDARD_PATH,
  type StandardWebhookContext,
  type StandardWebhooksOptions,
} from "./options.js";

/** The mounted provider, with what was configured (safe to show). */
export interface StandardWebhooksProvider<TRequest = unknown> extends WebhookProvider<TRequest> {
  /** How many whsec_ secrets and which whpk_ public keys (their first characters) verify deliveries. */
  readonly keys: { readonly secrets: number; readonly publicKeys: readonly string[] };
}

const NAME = /^[A-Za-z0-9_-]{1,40}$/;

function parseJson(body: Uint8Array | string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(typeof body === "string" ? body : utf8Decode(body)) };
  } catch {
    return { ok: false };
  }
}

/**
 * Any sender that signs the Standard Webhooks way (OpenAI, Anthropic, Svix and the senders built on it, …) as a
 * provider: `app.use(webhookRouter(standardWebhooks({ secret, onEvent })))`. `webhook-signature` (or
 * `svix-signature`) is checked over the exact bytes, then the timestamp; each webhook-id runs `onEvent` once,
 * answered 204; a payload failing `schema` goes to `onReview`. `TEvent` is inferred from `schema`; `TRequest` (the
 * framework's request type, as for every provider) is the first type argument.
 */
export function standardWebhooks<TRequest = unknown, TEvent = StandardWebhookPayload>(
  options: StandardWebhooksOptions<TRequest, TEvent>,
): StandardWebhooksProvider<TRequest> {
  const name = options?.name;
  const provider = name === undefined ? "standard-webhooks" : `standard-webhooks:${name}`;
  const fail = configurationFailure(provider);
  if (typeof options !== "object" || options === null) fail("options are required.");
  if (name !== undefined && (typeof name !== "string" || !NAME.test(name))) fail("name must be 1–40 letters, digits, '_' or '-'.");
  if (typeof options.onEvent !== "function") fail("onEvent is required: every verified event goes there, once per webhook-id.");
  if (options.onReview !== undefined && typeof options.onReview !== "function") fail("onReview must be a function when given.");
  const { schema } = options;
  if (schema !== undefined && !isStandardSchema(schema)) {
    fail("schema must be a zod schema or another Standard Schema (an object with `~standard.validate`), when given.");
  }

  const secrets = standardSecrets(options.secret, fail);
  const publicKeys = standardPublicKeys(options.publicKey, fail);
  if (secrets.length === 0 && publicKeys.length === 0) {
    fail(
      "secret is required: the whsec_… signing secret from the sender's dashboard (several during a rotation), or " +
        "publicKey (whpk_…) for a sender that signs with ed25519. Is its environment variable set?",
    );
  }
  const path = options.path ?? DEFAULT_STANDARD_PATH;
  if (typeof path !== "string" || !path.startsWith("/")) fail(`path must start with "/", got ${JSON.stringify(path)}.`);
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_STANDARD_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) fail("toleranceSeconds must be a number ≥ 0.");
  // Body digests are keyed (a body may hold a short code: a verification email's), from the app's digestKey, else
  // from the first secret; a sender known only by its public key has nothing secret to key them with.
  const digestKey =
    digestKeyFrom(options.digestKey, "standard-webhooks", fail) ??
    (secrets[0] === undefined ? undefined : derivedKey(secrets[0].key, "siglume-middleware/standard-webhooks/digest/v1"));

  const engine = resolveEngineOptions(options as Parameters<typeof resolveEngineOptions<TRequest>>[0], provider, {
    handlerTimeoutMs: DEFAULT_STANDARD_HANDLER_TIMEOUT_MS,
  });
  const keys = { secrets: secrets.length, publicKeys: publicKeys.map((key) => key.hint) };
  engine.logger.info("Standard Webhooks keys configured", { provider, ...keys });
  const keyPrefix = `${provider}:`;
  const onReview =
    options.onReview ??
    ((review: StandardWebhookReview) =>
      engine.logger.warn(`Standard Webhooks delivery reviewed: ${review.reason} (no onReview handler; recorded and acknowledged)`, {
        provider,
        eventId: review.eventId,
        code: "STANDARD_WEBHOOK_REVIEWED",
        reason: review.reason,
      }));

  function receive(received: ReceivedRequest<TRequest>): MaybePromise<Plan> {
    const { body } = received;
    const verified = verifyStandardRequest(body, received.header, { secrets, publicKeys }, { toleranceSeconds, now: Math.floor(Date.now() / 1000) });
    return andThen(verified, (delivery) => {
      const parsed = parseJson(body);
      if (!parsed.ok) {
        throw new SiglumeWebhookError(
          "STANDARD_WEBHOOK_PAYLOAD_INVALID_JSON",
          "The body is signed but is not JSON: the sender posted something else under Content-Type: application/json.",
          { status: 400 },
        );
      }
      return andThen(bodyDigest(body, digestKey), (digest) =>
        andThen(checkPayload(parsed.value, schema), (checked) => planFor(received, delivery, digest, parsed.value, checked)),
      );
    });
  }

  function planFor(
    received: ReceivedRequest<TRequest>,
    delivery: VerifiedStandardWebhook,
    digest: string,
    payload: unknown,
    checked: PayloadResult<TEvent>,
  ): Plan {
    const ctx: StandardWebhookContext<TRequest> = {
      request: received.request,
      transaction: undefined,
      eventId: delivery.id,
      signedAt: delivery.timestamp,
      scheme: delivery.scheme,
      name,
    };
    const rawType = (payload as { type?: unknown } | null)?.type;
    const type = typeof rawType === "string" ? rawType : undefined;
    const key = `${keyPrefix}${delivery.id}`;
    const reported = { id: delivery.id, type };
    const plan = (planKey: string, outcome: string, run: () => unknown, reused?: () => Plan): OncePlan => ({
      kind: "once",
      key: planKey,
      type: recordLabel(type, "standard-webhook"),
      digest,
      outcome,
      run(transaction) {
        ctx.transaction = transaction;
        return run();
      },
      acknowledge: noContent,
      reused,
      info: { key: planKey, event: reported },
    });
    const review = (planKey: string, reason: StandardWebhookReviewReason, detail: string, issues?: StandardWebhookReview["issues"]): OncePlan =>
      plan(planKey, `review:${reason}`, () => onReview({ reason, detail, eventId: delivery.id, payload, issues }, ctx));
    // An id completed with another body: reviewed once per body, never run again.
    const reused = () =>
      review(`${key}#reused:${digest}`, "webhook_id_reused", `webhook-id ${delivery.id} was handled before with another body`);

    if ("problem" in checked) {
      return { ...review(key, schema === undefined ? "invalid_payload" : "schema_mismatch", checked.problem, checked.issues), reused };
    }
    const event = checked.event;
    return plan(key, "handled", () => options.onEvent(event, ctx), reused);
  }

  return {
    name: provider,
    displayName: name ?? "Standard",
    routes: [{ path, name: "events" }],
    signatureHeader: STANDARD_HEADERS.signature,
    engine,
    keys,
    receive,
  };
}
