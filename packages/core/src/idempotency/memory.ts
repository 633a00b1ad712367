import { platformName } from "../platform/index.js";
import { emitWarning, isProduction } from "../engine/environment.js";
import type { Claim, ClaimResult, CompletionInfo, IdempotencyStore } from "./store.js";

/** Options of the in-memory store (one process only: use store-postgres or store-redis for several instances). */
export interface MemoryIdempotencyStoreOptions {
  /**
   * A claim's lease. The engine renews it every third of this while the
   * handler runs; it lapses only when renewal stops (a handler past
   * maxHandlerMs). Default 30 s.
   */
  lockTtlMs?: number;
  /** Completed ids remembered at most this long. Default 7 days. */
  doneTtlMs?: number;
  /** About how many ids are remembered; beyond it the oldest are forgotten, a whole generation at a time. */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

let warnedInProduction = false;

// Every step answers at once: the engine then makes no Promise for the store.
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in_flight" as const });

interface Generations {
  current: Map<string, MemoryClaim>;
  previous: Map<string, MemoryClaim>;
  readonly generationSize: number;
  readonly lockTtlMs: number;
  readonly doneTtlMs: number;
  readonly now: () => number;
}

function lookup(state: Generations, key: string): MemoryClaim | undefined {
  return state.current.get(key) ?? state.previous.get(key);
}

// Written to the newer generation only: a stale copy left in the older one is shadowed
// (lookups read the newer first) and dropped with it.
function store(state: Generations, key: string, entry: MemoryClaim): void {
  state.current.set(key, entry);
  if (state.current.size >= state.generationSize) {
    const dropped = state.previous;
    state.previous = state.current;
    state.current = new Map();
    // Claims still in flight are never forgotten: only completed (or lapsed) records make room.
    // A scan per generation: O(1) per claim on average.
    const now = state.now();
    for (const [heldKey, held] of dropped) {
      if (!held.done && held.expiresAt > now && lookup(state, heldKey) === undefined) state.current.set(heldKey, held);
    }
  }
}

/**
 * One entry per claim: the record of an event and, while it is in flight, the
 * claim object itself. Ownership is identity: a claim acts only while it is
 * still the entry stored under its key.
 */
class MemoryClaim implements Claim {
  expiresAt: number;
  done = false;
  result: string | null = null;
  readonly renewEveryMs: number;

  constructor(
    private readonly state: Generations,
    private readonly key: string,
    readonly digest: string,
  ) {
    this.expiresAt = state.now() + state.lockTtlMs;
    this.renewEveryMs = Math.max(1, Math.floor(state.lockTtlMs / 3));
  }

  /** Where this claim is still the entry stored under its key: 1 the newer generation, 2 the older, 0 not owned. */
  private place(): 0 | 1 | 2 {
    if (this.done) return 0;
    const { state, key } = this;
    const inCurrent = state.current.get(key);
    if (inCurrent !== undefined) return inCurrent === this ? 1 : 0; // a newer entry shadows the older generation
    return state.previous.get(key) === this ? 2 : 0;
  }

  private owned(): boolean {
    return this.place() !== 0;
  }

  renew(): boolean {
    if (!this.owned()) return false;
    this.expiresAt = this.state.now() + this.state.lockTtlMs;
    return true;
  }

  complete(info: CompletionInfo): boolean {
    const place = this.place();
    if (place === 0) return false;
    this.done = true;
    this.result = info.result ?? null;
    this.expiresAt = this.state.now() + this.state.doneTtlMs;
    // Already in the newer generation (the usual case): the entry is this object, nothing to write again.
    if (place === 2) store(this.state, this.key, this);
    return true;
  }

  release(): void {
    if (this.owned()) {
      this.state.current.delete(this.key);
      this.state.previous.delete(this.key);
    }
  }
}

/**
 * The default store: one process only. Redelivery to another instance, or
 * after a restart, is not recognised as a duplicate.
 *
 * Ids live in two generations of Maps: when the newer one fills half of
 * maxEntries it becomes the older and the old older is dropped whole. That
 * keeps eviction O(1) and memory flat under sustained load (deleting single
 * entries from one big Map leaves holes that every later eviction walks).
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const state: Generations = {
    current: new Map(),
    previous: new Map(),
    generationSize: Math.max(1, Math.ceil((options.maxEntries ?? 100_000) / 2)),
    lockTtlMs: options.lockTtlMs ?? 30_000,
    doneTtlMs: options.doneTtlMs ?? 7 * 24 * 3600 * 1000,
    now: options.now ?? Date.now,
  };

  if (isProduction() && !warnedInProduction) {
    warnedInProduction = true;
    emitWarning(
      platformName === "node"
        ? "siglume-middleware is using the in-memory idempotency store in production: duplicates are only recognised " +
            "within this one process. Pass a shared idempotencyStore when running more than one instance."
        : "siglume-middleware is using the in-memory idempotency store in production: duplicates are only recognised " +
            "within this one isolate (a Cloudflare Worker or edge function runs many, and drops them at will). Pass " +
            "a shared idempotencyStore (e.g. postgresIdempotencyStore through pg with nodejs_compat).",
      "SIGLUME_MEMORY_STORE",
    );
  }

  return {
    claim(key, info): ClaimResult {
      const existing = lookup(state, key);
      if (existing !== undefined && existing.expiresAt > state.now()) {
        if (!existing.done) return IN_FLIGHT;
        return { status: "completed", digest: existing.digest, result: existing.result };
      }
      const claim = new MemoryClaim(state, key, info.digest);
      store(state, key, claim);
      return { status: "claimed", claim };
    },
  };
}
