import { SiglumeConfigurationError } from "../errors.js";
import type { Claim, ClaimResult, IdempotencyStore } from "./store.js";

/** The store interface before claims belonged to deliveries (0.1): every step keyed by the event id. */
export interface LegacyIdempotencyStore {
  /** Claims the event for this delivery: `claimed`, `completed` (handled before) or `in_flight` (elsewhere). */
  claim(eventId: string, info: { type: string }): Promise<
    { status: "claimed"; transaction?: unknown } | { status: "completed" } | { status: "in_flight" }
  >;
  /** Records the event as handled with its outcome. */
  complete(eventId: string, info: { outcome: string }): Promise<void>;
  /** Gives the claim up after the handler threw, so a redelivery can run it. */
  release(eventId: string, info: { error: unknown }): Promise<void>;
}

const TRUE = Promise.resolve(true);

/**
 * Runs a store written for the 0.1 interface. It keeps working as it did, with
 * its old guarantees only: its complete/release act on the event id whoever
 * holds it, so a stale delivery can still overwrite a newer one's record, and
 * it keeps no body digest (a reused id with another body is taken for a
 * duplicate). Migrate it to `claim() → { status: "claimed", claim }` (see
 * docs/stores.md) to get delivery-owned claims.
 */
export function legacyIdempotencyStore(store: LegacyIdempotencyStore): IdempotencyStore {
  return {
    async claim(key, info): Promise<ClaimResult> {
      const result = await store.claim(key, { type: info.type });
      if (result.status !== "claimed") {
        return result.status === "completed" ? { status: "completed", digest: null, result: null } : result;
      }
      const claim: Claim = {
        transaction: result.transaction,
        renew: () => TRUE,
        complete: (completion) => store.complete(key, { outcome: completion.outcome }).then(() => true),
        release: (release) => store.release(key, release),
      };
      return { status: "claimed", claim };
    },
  };
}

/** Refuses, at start-up, a store that is not an IdempotencyStore, saying how to fix it. */
export function assertIdempotencyStore(store: unknown, fail: (message: string) => never = failConfiguration): asserts store is IdempotencyStore {
  const candidate = store as Partial<Record<"claim" | "complete" | "release", unknown>> | null;
  if (typeof candidate?.claim !== "function") fail("idempotencyStore.claim must be a function.");
  if (typeof candidate.complete === "function" || typeof candidate.release === "function") {
    fail(
      "idempotencyStore implements the 0.1 interface (complete/release keyed by event id), in which a late " +
        "delivery can overwrite a newer one's record. Wrap it as legacyIdempotencyStore(store) to keep its old " +
        "behaviour, or move complete/release onto the claim claim() returns (docs/stores.md).",
    );
  }
}

function failConfiguration(message: string): never {
  throw new SiglumeConfigurationError(`siglume-middleware: ${message}`);
}
