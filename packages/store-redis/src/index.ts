import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { ClaimResult, IdempotencyStore } from "@siglume-middleware/core";

export interface RedisIdempotencyStoreOptions {
  /**
   * Your ioredis client. Give it a commandTimeout (and maxRetriesPerRequest) so a
   * Redis outage fails requests quickly (503) instead of queueing them.
   */
  client?: Redis | undefined;
  /** Or a URL; the store then owns a client with short timeouts. */
  url?: string | undefined;
  /** Default "siglume:evt:". */
  keyPrefix?: string | undefined;
  /** A claim's lock expires after this, so a crashed holder does not block the event forever. Default 30 s. */
  lockTtlMs?: number | undefined;
  /** How long a completed event is remembered as a duplicate. Default 7 days. */
  doneTtlSeconds?: number | undefined;
}

export interface RedisIdempotencyStore extends IdempotencyStore {
  /** Closes the client if the store created it. */
  close(): Promise<void>;
}

// Deletes the lock only if this claim still owns it (it may have expired and been taken by another instance).
const RELEASE_IF_OWNER = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * Claims as `SET key lock:<token> NX PX lockTtl`; completion as
 * `SET key done:<outcome> EX doneTtl`. Handlers must finish within lockTtlMs,
 * or a redelivery may claim the event again.
 */
export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): RedisIdempotencyStore {
  if (!options.client && !options.url) throw new TypeError("redisIdempotencyStore needs { client } or { url }.");
  const keyPrefix = options.keyPrefix ?? "siglume:evt:";
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const doneTtlSeconds = options.doneTtlSeconds ?? 7 * 24 * 3600;
  const ownsClient = !options.client;
  const redis =
    options.client ??
    new Redis(options.url!, {
      // While Redis is away, commands fail within ~2 s (503 + Retry-After) rather than hang.
      commandTimeout: 2000,
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
  // Connection errors surface on the commands themselves; without a listener ioredis would log each retry.
  if (ownsClient) redis.on("error", () => {});

  const tokens = new Map<string, string>();
  const key = (eventId: string) => keyPrefix + eventId;

  return {
    async claim(eventId): Promise<ClaimResult> {
      const token = `lock:${randomUUID()}`;
      const set = await redis.set(key(eventId), token, "PX", lockTtlMs, "NX");
      if (set === "OK") {
        tokens.set(eventId, token);
        return { status: "claimed" };
      }
      const current = await redis.get(key(eventId));
      // null: the lock expired between the two commands; treat as busy and let the redelivery claim it.
      return { status: current?.startsWith("done") ? "completed" : "in_flight" };
    },

    async complete(eventId, { outcome }) {
      tokens.delete(eventId);
      await redis.set(key(eventId), `done:${outcome}`, "EX", doneTtlSeconds);
    },

    async release(eventId) {
      const token = tokens.get(eventId);
      tokens.delete(eventId);
      if (token) await redis.eval(RELEASE_IF_OWNER, 1, key(eventId), token);
    },

    async close() {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
