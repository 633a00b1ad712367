/**
 * Where event ids are claimed so each delivery is handled at most once at a
 * time and acknowledged again, not re-run, after it completed.
 */
export type ClaimResult =
  /**
   * This caller owns the event until it calls complete() or release(). A
   * transactional store hands over its open transaction here; handlers get it
   * as ctx.transaction so the order update commits together with completion.
   */
  | { status: "claimed"; transaction?: unknown }
  /** Handled before: acknowledge without dispatching. */
  | { status: "completed" }
  /** Another delivery is handling it now: ask Siglume to retry later. */
  | { status: "in_flight" };

export interface ClaimInfo {
  /** The event type, for stores that keep a record. */
  type: string;
}

export interface CompletionInfo {
  /** What the delivery was classified as, e.g. "standard_settled" or "review:unknown_confirmation_shape". */
  outcome: string;
}

/**
 * Throws (rejects) when the store cannot be reached: the delivery is then
 * answered 503 with Retry-After and nothing is dispatched.
 */
export interface IdempotencyStore {
  claim(eventId: string, info: ClaimInfo): Promise<ClaimResult>;
  /** Records the outcome; for a transactional store, also commits the handler's work. */
  complete(eventId: string, info: CompletionInfo): Promise<void>;
  /** Gives up a claim after a failed handler (rolling back its work) so the next delivery runs it again. */
  release(eventId: string, info: ReleaseInfo): Promise<void>;
}

export interface ReleaseInfo {
  /** What the handler threw. */
  error: unknown;
}
