import type { ClaimResult, IdempotencyStore } from "./store.js";

export interface MemoryIdempotencyStoreOptions {
  /** A claim older than this is presumed abandoned (its handler hung) and may be taken again. */
  lockTtlMs?: number;
  /** Completed ids remembered at most this long. */
  doneTtlMs?: number;
  /** Bound on remembered ids; the oldest completed ones are forgotten first. */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

interface Entry {
  state: "in_flight" | "completed";
  expiresAt: number;
}

let warnedInProduction = false;

/**
 * The default store: one process only. Redelivery to another instance, or
 * after a restart, is not recognised as a duplicate.
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const doneTtlMs = options.doneTtlMs ?? 7 * 24 * 3600 * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  // Map keeps insertion order, so the first keys are the oldest.
  const entries = new Map<string, Entry>();

  if (process.env.NODE_ENV === "production" && !warnedInProduction) {
    warnedInProduction = true;
    process.emitWarning(
      "siglume-middleware is using the in-memory idempotency store in production: duplicates are only recognised " +
        "within this one process. Pass a shared idempotencyStore when running more than one instance.",
      { code: "SIGLUME_MEMORY_STORE" },
    );
  }

  function evictOverflow(): void {
    for (const [id, entry] of entries) {
      if (entries.size <= maxEntries) return;
      if (entry.state === "completed") entries.delete(id);
    }
  }

  return {
    async claim(eventId): Promise<ClaimResult> {
      const at = now();
      const entry = entries.get(eventId);
      if (entry && entry.expiresAt > at) {
        return { status: entry.state };
      }
      entries.delete(eventId);
      entries.set(eventId, { state: "in_flight", expiresAt: at + lockTtlMs });
      if (entries.size > maxEntries) evictOverflow();
      return { status: "claimed" };
    },
    async complete(eventId) {
      entries.delete(eventId);
      entries.set(eventId, { state: "completed", expiresAt: now() + doneTtlMs });
    },
    async release(eventId) {
      entries.delete(eventId);
    },
  };
}
