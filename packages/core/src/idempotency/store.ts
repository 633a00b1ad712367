import type { MaybePromise } from "../platform/contract.js";

/**
 * Where events are claimed, so each is handled by one delivery at a time and
 * acknowledged again, not re-run, once it completed.
 *
 * A claim belongs to the delivery that made it, not to the event id: only
 * that delivery's `complete` or `release` changes the record, and only while
 * its claim still owns it. A stale owner (its lease expired and another
 * delivery took over) changes nothing.
 *
 * Every step may answer at once or with a Promise: an in-memory store answers
 * at once, and the engine then makes no Promise for it.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for one delivery. Rejects when the store cannot be reached:
   * the delivery is then answered 503 with Retry-After and nothing is dispatched.
   */
  claim(key: string, info: ClaimInfo): MaybePromise<ClaimResult>;
}

/** What the engine tells the store when claiming an event: its type and the digest of the signed body. */
export interface ClaimInfo {
  /** The event type, for stores that keep a record. */
  type: string;
  /**
   * A digest of the signed body (base64url). Recorded with the claim and
   * returned for completed events, so the same id with another body is not
   * mistaken for a duplicate.
   */
  digest: string;
}

/**
 * A store's answer to a claim: this delivery owns it, it was completed before (with the recorded digest and answer),
 * or another delivery holds it.
 */
export type ClaimResult =
  /** This delivery owns the event until it completes or releases the claim. */
  | { status: "claimed"; claim: Claim }
  /** Handled before: acknowledge without dispatching. */
  | { status: "completed"; digest: string | null; result: string | null }
  /** Another delivery is handling it now: ask the sender to retry later. */
  | { status: "in_flight" };

/** One delivery's claim on an event. */
export interface Claim {
  /**
   * A transactional store's open transaction (the PostgreSQL store's client).
   * Handlers get it as ctx.transaction, so their writes commit with the completion.
   */
  readonly transaction?: unknown;
  /**
   * How often the engine renews the claim while the handler runs. Undefined
   * when the claim cannot expire while its holder lives (a held transaction).
   */
  readonly renewEveryMs?: number;
  /** Extends the lease. Resolves false when the claim is no longer this delivery's. */
  renew(): MaybePromise<boolean>;
  /**
   * Records the outcome (for a transactional store, commits the handler's
   * work with it). Resolves false, writing nothing, when the claim is no
   * longer this delivery's.
   */
  complete(info: CompletionInfo): MaybePromise<boolean>;
  /**
   * Gives the claim up after a failed handler (rolling its work back), so the
   * next delivery runs it again. Does nothing when the claim is no longer owned.
   */
  release(info: ReleaseInfo): MaybePromise<void>;
  /**
   * Records `info` in place of the handler's work, which is discarded (a
   * transactional store rolls it back and refuses the handler's later
   * queries), whether or not the handler still runs. Optional: only where the
   * work can be discarded. Decisions use it when a fallback was sent.
   */
  completeInstead?(info: CompletionInfo): MaybePromise<boolean>;
  /**
   * The delivery stopped waiting for a handler that still runs (handler
   * timeout). A transactional store ends the transaction here, closing its
   * connection so nothing the handler writes later can commit; other stores
   * keep the claim until the handler settles.
   */
  abandon?(): void;
}

/** What the engine records when a handler completed: the outcome and, for decision flows, the answer sent. */
export interface CompletionInfo {
  /** What the delivery was classified as, e.g. "standard_settled" or "review:unknown_confirmation_shape". */
  outcome: string;
  /** The answer that was sent, for senders whose repeats must get the same answer (short text; optional). */
  result?: string | undefined;
}

/** What the engine passes when it releases a claim after the handler threw. */
export interface ReleaseInfo {
  /** What the handler threw. */
  error: unknown;
}
