import { isReadinessProbe } from "../classify/readiness.js";
import { resolveSiglumeOptions, type ResolvedSiglumeOptions } from "../dispatch/options.js";
import { reviewRoute, routeEvent, type Route } from "../dispatch/route.js";
import type { SiglumeContext, SiglumeOptions } from "../dispatch/types.js";
import type { OncePlan, Plan, WebhookProvider } from "../engine/provider.js";
import { parseSiglumeEvent } from "../event/parse.js";
import { noContent } from "../http/response.js";
import { bodyDigest } from "../idempotency/digest.js";
import { SIGNATURE_HEADER } from "../signature/header.js";
import { verifySiglumeDelivery } from "../signature/verify.js";
import { andThen } from "../engine/maybe.js";

const REUSED_OUTCOME = "review:event_id_reused";

/** Siglume as a provider, with its validated options (adapters and the NestJS module read `path`). */
export interface SiglumeProvider<TRequest = unknown> extends WebhookProvider<TRequest> {
  /** The Siglume options after start-up checks. */
  readonly options: ResolvedSiglumeOptions<TRequest>;
}

/**
 * Siglume Direct Request Payment webhooks as a provider: `Siglume-Signature`
 * verified over the raw bytes, `direct_payment.confirmed` classified like the
 * reference, each event routed to exactly one handler and run once (keys are
 * the bare event ids, as before providers existed, so existing records stay
 * valid), 204 when done.
 */
export function siglumeWebhooks<TAllowMetered extends boolean = false, TRequest = unknown>(
  options: SiglumeOptions<TAllowMetered, TRequest>,
): SiglumeProvider<TRequest> {
  const resolved = resolveSiglumeOptions(options);
  const { keys, toleranceSeconds, handlers, allowMeteredPayments } = resolved;

  function once(route: Route<TRequest>, ctx: SiglumeContext<TRequest>, key: string, digest: string): OncePlan {
    const { event } = ctx;
    return {
      kind: "once",
      key,
      type: event.type,
      digest,
      outcome: route.outcome,
      run(transaction) {
        ctx.transaction = transaction;
        return route.run(ctx);
      },
      acknowledge: noContent,
      // The same id with another signed body goes to review, once per body, never taken for a duplicate.
      reused:
        route.outcome === REUSED_OUTCOME
          ? undefined
          : () =>
              once(
                reviewRoute(handlers, { event, reason: "event_id_reused", confirmation: route.confirmation }),
                ctx,
                `${key}#reused:${digest}`,
                digest,
              ),
      info: { event, key },
    };
  }

  return {
    name: "siglume",
    displayName: "Siglume",
    routes: [{ path: resolved.path, name: "events" }],
    signatureHeader: SIGNATURE_HEADER,
    engine: resolved,
    options: resolved,
    receive({ body, header, request }) {
      const verified = verifySiglumeDelivery(body, header(SIGNATURE_HEADER), keys, toleranceSeconds, Math.floor(Date.now() / 1000));
      return andThen(verified, ({ timestamp: signedAt }) => {
        const event = parseSiglumeEvent(body);
        const ctx: SiglumeContext<TRequest> = { event, signedAt, request, transaction: undefined };

        // A readiness probe must be acknowledged and must never reach a payment handler or the store.
        if (isReadinessProbe(event)) {
          const { onReadinessProbe } = handlers;
          return onReadinessProbe
            ? { kind: "unrecorded", run: () => onReadinessProbe(event, ctx), acknowledge: noContent, info: { event } }
            : { kind: "answer", response: noContent };
        }
        const route = routeEvent(event, handlers, allowMeteredPayments);
        return andThen(bodyDigest(body), (digest): Plan => once(route, ctx, event.id, digest));
      });
    },
  };
}
