/**
 * Where event ids are claimed so each delivery is handled at most once at a
 * time and acknowledged again, not re-run, after it completed.
 */
export type ClaimResult =
  /** This caller owns the event until it calls complete() or release(). */
  | { status: "claimed" }
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

export interface IdempotencyStore {
  claim(eventId: string, info: ClaimInfo): Promise<ClaimResult>;
  complete(eventId: string, info: CompletionInfo): Promise<void>;
  /** Gives up a claim after a failed handler so the next delivery runs it again. */
  release(eventId: string): Promise<void>;
}
