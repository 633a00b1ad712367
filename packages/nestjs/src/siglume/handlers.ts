import {
  SiglumeConfigurationError,
  type ConfirmationKind,
  type SiglumeHandlers,
} from "@siglume-middleware/core";
import { fanOut, required, sequence, withRole, type DiscoveredHandler } from "../provider/discovery.js";
import type { FulfillableKind } from "./decorators.js";

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
  const fulfillable = allowMeteredPayments ? ALL_FULFILLABLE : STANDARD;
  const onDirectPaymentConfirmed = fanOut(withRole(discovered, "confirmed"), {
    declared: (handler) => (handler.metadata as unknown as { kinds: readonly FulfillableKind[] }).kinds,
    values: fulfillable,
    valueOf: (confirmation) => (confirmation as { kind: ConfirmationKind }).kind,
    fail,
    messages: {
      outside: (handler, kind) =>
        `${handler} listens for "${kind}", but allowMeteredPayments is false, so it would never run. ` +
        "Set allowMeteredPayments: true in SiglumeModule.forRoot() or remove the kind.",
      unreached: (kind) =>
        `no @OnDirectPaymentConfirmed() method accepts "${kind}", so such payments would be acknowledged unfulfilled. ` +
        "Add one to a provider or controller.",
    },
  });
  const review = required(
    discovered,
    "review",
    fail,
    "no @OnSiglumeReview() method found. One is required: unknown, metered or unhandled events go there " +
      "instead of being acknowledged with no record.",
  );

  return {
    onDirectPaymentConfirmed,
    onReview: review,
    onDirectPaymentSpent: sequence(withRole(discovered, "spent")),
    onEvent: sequence(withRole(discovered, "event")),
    onReadinessProbe: sequence(withRole(discovered, "readiness")),
  };
}
