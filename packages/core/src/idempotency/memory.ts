import type { ClaimResult, IdempotencyStore } from "./store.js";

export interface MemoryIdempotencyStoreOptions {
  /** A claim older than this is presumed abandoned (its handler hung) and may be taken again. */
  lockTtlMs?: number;
  /** Completed ids remembered at most this long. */
  doneTtlMs?: number;
  /** About how many ids are remembered; beyond it the oldest are forgotten, a whole generation at a time. */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

let warnedInProduction = false;

const CLAIMED: Promise<ClaimResult> = Promise.resolve(Object.freeze({ status: "claimed" as const }));
const COMPLETED: Promise<ClaimResult> = Promise.resolve(Object.freeze({ status: "completed" as const }));
const IN_FLIGHT: Promise<ClaimResult> = Promise.resolve(Object.freeze({ status: "in_flight" as const }));
const DONE: Promise<void> = Promise.resolve();

/**
 * The default store: one process only. Redelivery to another instance, or
 * after a restart, is not recognised as a duplicate.
 *
 * Ids live in two generations of Maps: when the newer one fills half of
 * maxEntries it becomes the older and the old older is dropped whole. That
 * keeps eviction O(1) and memory flat under sustained load (deleting single
 * entries from one big Map leaves holes that every later eviction walks).
 * Values are expiry times in ms: positive when completed, negative while in flight.
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const doneTtlMs = options.doneTtlMs ?? 7 * 24 * 3600 * 1000;
  const generationSize = Math.max(1, Math.ceil((options.maxEntries ?? 100_000) / 2));
  const now = options.now ?? Date.now;
  let current = new Map<string, number>();
  let previous = new Map<string, number>();

  if (process.env.NODE_ENV === "production" && !warnedInProduction) {
    warnedInProduction = true;
    process.emitWarning(
      "siglume-middleware is using the in-memory idempotency store in production: duplicates are only recognised " +
        "within this one process. Pass a shared idempotencyStore when running more than one instance.",
      { code: "SIGLUME_MEMORY_STORE" },
    );
  }

  // Written to the newer generation only: a stale copy left in the older one is shadowed
  // (lookups read the newer first) and dropped with it.
  function set(eventId: string, value: number): void {
    current.set(eventId, value);
    if (current.size >= generationSize) {
      previous = current;
      current = new Map();
    }
  }

  // The answers are the same objects every time: no allocation per delivery.
  return {
    claim(eventId): Promise<ClaimResult> {
      const at = now();
      const value = current.get(eventId) ?? previous.get(eventId);
      if (value !== undefined && Math.abs(value) > at) return value > 0 ? COMPLETED : IN_FLIGHT;
      set(eventId, -(at + lockTtlMs));
      return CLAIMED;
    },
    complete(eventId): Promise<void> {
      set(eventId, now() + doneTtlMs);
      return DONE;
    },
    release(eventId): Promise<void> {
      current.delete(eventId);
      previous.delete(eventId);
      return DONE;
    },
  };
}
