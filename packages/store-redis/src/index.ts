import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Claim, ClaimResult, CompletionInfo, IdempotencyStore } from "@siglume-middleware/core";

/**
 * Options of `redisIdempotencyStore`: your ioredis client (or a URL), the key prefix and the claim lease. Share one
 * Redis between instances to get exactly-once across them.
 */
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
  /**
   * A claim's lock length. The engine renews it every third of this while the
   * handler runs, so it lapses only when its process is gone (crash, SIGKILL,
   * partition) or the handler outlived maxHandlerMs. Default 30 s.
   */
  lockTtlMs?: number | undefined;
  /** How long a completed event is remembered as a duplicate. Default 7 days. */
  doneTtlSeconds?: number | undefined;
}

export interface RedisIdempotencyStore extends IdempotencyStore {
  /** Closes the client if the store created it. */
  close(): Promise<void>;
}

/** What a completed event's key holds, after the `done:` prefix (JSON). */
export interface RedisDoneRecord {
  /** What the delivery was classified as (the engine's outcome). */
  outcome: string;
  /** The digest of the signed body that completed it. */
  digest: string;
  /** The answer sent, for decision flows. */
  result?: string;
}

// Each script acts only while the key still holds this delivery's lock value.
const SCRIPTS = {
  siglumeRenew: `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`,
  siglumeComplete: `if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[2], "EX", ARGV[3]) return 1 else return 0 end`,
  siglumeRelease: `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`,
} as const;

type ScriptedRedis = Redis & {
  [name in keyof typeof SCRIPTS]: (key: string, ...args: (string | number)[]) => Promise<number>;
};

const DONE = "done:";

function completedResult(value: string): ClaimResult {
  try {
    const record = JSON.parse(value.slice(DONE.length)) as Partial<RedisDoneRecord>;
    return { status: "completed", digest: record.digest ?? null, result: record.result ?? null };
  } catch {
    // Written by the 0.1 store ("done:<outcome>"): completed, with no digest to compare.
    return { status: "completed", digest: null, result: null };
  }
}

/**
 * Claims as `SET key lock:<token>:<digest> NX PX lockTtl`, a token per
 * delivery; renewal, completion (`done:{…}` with a TTL) and release are Lua
 * scripts that act only while the key still holds that delivery's token.
 */
export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): RedisIdempotencyStore {
  if (!options.client && !options.url) throw new TypeError("redisIdempotencyStore needs { client } or { url }.");
  const keyPrefix = options.keyPrefix ?? "siglume:evt:";
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const doneTtlSeconds = options.doneTtlSeconds ?? 7 * 24 * 3600;
  const renewEveryMs = Math.max(1, Math.floor(lockTtlMs / 3));
  const ownsClient = !options.client;
  const redis = (options.client ??
    new Redis(options.url!, {
      // While Redis is away, commands fail within ~2 s (503 + Retry-After) rather than hang.
      commandTimeout: 2000,
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    })) as ScriptedRedis;
  // Connection errors surface on the commands themselves; without a listener ioredis would log each retry.
  if (ownsClient) redis.on("error", () => {});
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== "function") redis.defineCommand(name, { numberOfKeys: 1, lua });
  }

  function claimFor(key: string, lock: string, digest: string): Claim {
    return {
      renewEveryMs,
      renew: async () => (await redis.siglumeRenew(key, lock, lockTtlMs)) === 1,
      async complete(info: CompletionInfo) {
        const record: RedisDoneRecord = { outcome: info.outcome, digest };
        if (info.result !== undefined) record.result = info.result;
        return (await redis.siglumeComplete(key, lock, DONE + JSON.stringify(record), doneTtlSeconds)) === 1;
      },
      async release() {
        await redis.siglumeRelease(key, lock);
      },
    };
  }

  return {
    async claim(eventKey, { digest }): Promise<ClaimResult> {
      const key = keyPrefix + eventKey;
      const lock = `lock:${randomUUID()}:${digest}`;
      for (let attempt = 0; attempt < 2; attempt++) {
        if ((await redis.set(key, lock, "PX", lockTtlMs, "NX")) === "OK") {
          return { status: "claimed", claim: claimFor(key, lock, digest) };
        }
        const current = await redis.get(key);
        if (current === null) continue; // the lock lapsed between the two commands: try once more
        return current.startsWith(DONE) ? completedResult(current) : { status: "in_flight" };
      }
      return { status: "in_flight" };
    },

    async close() {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
