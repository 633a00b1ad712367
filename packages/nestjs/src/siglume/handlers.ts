import {
  SiglumeConfigurationError,
  type ConfirmationKind,
  type SiglumeHandlers,
} from "@siglume-middleware/core";
import { sequence, type DiscoveredHandler } from "../provider/discovery.js";
import type { FulfillableKind, SiglumeHandlerMetadata } from "./decorators.js";

const STANDARD: FulfillableKind[] = ["standard_settled"];
const ALL_FULFILLABLE: FulfillableKind[] = ["standard_settled", "metered_usage_accepted", "metered_batch_settled"];

function fail(message: string): never {
  throw new SiglumeConfigurationError(`SiglumeModule: ${message}`);
}


/**
 * Turns decorated methods into the core's handler set, failing at start-up
 * when some event the policy lets through would reach no method.
 */
export function composeHandlers(
  discovered: DiscoveredHandler[],
  allowMeteredPayments: boolean,
): Omit<SiglumeHandlers<boolean, unknown>, "onError"> {
  const byRole = (role: SiglumeHandlerMetadata["role"]) => discovered.filter((h) => h.metadata.role === role);
  const fulfillable = allowMeteredPayments ? ALL_FULFILLABLE : STANDARD;

  const confirmed = byRole("confirmed").map((handler) => {
    const declared = (handler.metadata as unknown as { kinds: readonly FulfillableKind[] }).kinds;
    const kinds = declared.length > 0 ? declared : fulfillable;
    for (const kind of kinds) {
      if (!fulfillable.includes(kind)) {
        fail(
          `${handler.name} listens for "${kind}", but allowMeteredPayments is false, so it would never run. ` +
            "Set allowMeteredPayments: true in SiglumeModule.forRoot() or remove the kind.",
        );
      }
    }
    return { handler, kinds: new Set<ConfirmationKind>(kinds) };
  });
  for (const kind of fulfillable) {
    if (!confirmed.some(({ kinds }) => kinds.has(kind))) {
      fail(
        `no @OnDirectPaymentConfirmed() method accepts "${kind}", so such payments would be acknowledged unfulfilled. ` +
          "Add one to a provider or controller.",
      );
    }
  }
  const review = sequence(byRole("review"));
  if (!review) {
    fail(
      "no @OnSiglumeReview() method found. One is required: unknown, metered or unhandled events go there " +
        "instead of being acknowledged with no record.",
    );
  }

  return {
    onDirectPaymentConfirmed: async (confirmation, ctx) => {
      for (const { handler, kinds } of confirmed) {
        if (kinds.has(confirmation.kind)) await handler.call(confirmation, ctx);
      }
    },
    onReview: review,
    onDirectPaymentSpent: sequence(byRole("spent")),
    onEvent: sequence(byRole("event")),
    onReadinessProbe: sequence(byRole("readiness")),
  };
}
