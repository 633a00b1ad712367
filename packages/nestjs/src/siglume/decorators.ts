import type { ConfirmationKind } from "@siglume-middleware/core";
import { SIGLUME_HANDLER_METADATA } from "../constants.js";
import { handlerMetadata } from "../provider/decorator.js";

/**
 * A confirmation kind `@OnDirectPaymentConfirmed()` can take: every classified kind but `unknown` (which goes to
 * review).
 */
export type FulfillableKind = Exclude<ConfirmationKind, "unknown">;

/**
 * What a Siglume handler decorator records on a method: its role, and for the confirmed handler the kinds it takes.
 */
export type SiglumeHandlerMetadata =
  | { role: "confirmed"; kinds: readonly FulfillableKind[] }
  | { role: "spent" }
  | { role: "review" }
  | { role: "event" }
  | { role: "readiness" };

/**
 * Fulfils `direct_payment.confirmed`: `(confirmation, ctx)`. With no
 * arguments it receives every kind the module lets through (Standard only
 * unless allowMeteredPayments); name kinds to split them across methods.
 */
export const OnDirectPaymentConfirmed = (...kinds: FulfillableKind[]): MethodDecorator =>
  handlerMetadata(SIGLUME_HANDLER_METADATA, { role: "confirmed", kinds } satisfies SiglumeHandlerMetadata);

/** Handles `direct_payment.spent`: `(event, ctx)`. */
export const OnDirectPaymentSpent = (): MethodDecorator =>
  handlerMetadata(SIGLUME_HANDLER_METADATA, { role: "spent" } satisfies SiglumeHandlerMetadata);

/** Records what must not be fulfilled automatically: `(review, ctx)`. At least one is required. */
export const OnSiglumeReview = (): MethodDecorator =>
  handlerMetadata(SIGLUME_HANDLER_METADATA, { role: "review" } satisfies SiglumeHandlerMetadata);

/** Any other event type (and spent, without an @OnDirectPaymentSpent): `(event, ctx)`. */
export const OnSiglumeEvent = (): MethodDecorator =>
  handlerMetadata(SIGLUME_HANDLER_METADATA, { role: "event" } satisfies SiglumeHandlerMetadata);

/** Siglume's readiness probe, which is acknowledged and never fulfilled: `(event, ctx)`. */
export const OnSiglumeReadinessProbe = (): MethodDecorator =>
  handlerMetadata(SIGLUME_HANDLER_METADATA, { role: "readiness" } satisfies SiglumeHandlerMetadata);
