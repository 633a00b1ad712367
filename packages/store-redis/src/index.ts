import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Claim, ClaimResult, CompletionInfo, IdempotencyStore } from "@siglume-middleware/core";
import { CoalescedWrites } from "./coalesced-writes.js";

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

/** The store `redisIdempotencyStore` returns: an IdempotencyStore that can close the client it created. */
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

/**
 * A Lua script run by its SHA-1 (`EVALSHA`, one short command), sent whole (`EVAL`) only when the server answers
 * NOSCRIPT (its script cache was flushed or it restarted). Each script acts only while the key still holds this
 * delivery's lock value.
 */
class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  /** Runs the script on `key` and hands its reply to `then` (in the same Promise step). */
  run<T>({ redis, writes }: StoreSettings, then: (reply: unknown) => T, key: string, ...args: (string | number)[]): Promise<T> {
    writes.hold();
    return redis.evalsha(this.sha, 1, key, ...args).then(then, (error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      writes.hold();
      return redis.eval(this.lua, 1, key, ...args).then(then);
    });
  }
}

const RENEW = new Script(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`);
const COMPLETE = new Script(`if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[2], "EX", ARGV[3]) return 1 else return 0 end`);
const RELEASE = new Script(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`);

const DONE = "done:";
const isOne = (reply: unknown) => reply === 1;

function completedResult(value: string): ClaimResult {
  try {
    const record = JSON.parse(value.slice(DONE.length)) as Partial<RedisDoneRecord>;
    return { status: "completed", digest: record.digest ?? null, result: record.result ?? null };
  } catch {
    // Written by the 0.1 store ("done:<outcome>"): completed, with no digest to compare.
    return { status: "completed", digest: null, result: null };
  }
}

/** What a claim needs from its store: the client (and its writes) and the lengths of the lock and of the completed record. */
interface StoreSettings {
  redis: Redis;
  writes: CoalescedWrites;
  lockTtlMs: number;
  doneTtlSeconds: number;
  renewEveryMs: number;
}

/** One delivery's lock on `key`: every step is a script that acts only while the key still holds `lock`. */
class RedisClaim implements Claim {
  readonly renewEveryMs: number;

  constructor(
    private readonly store: StoreSettings,
    private readonly key: string,
    private readonly lock: string,
    private readonly digest: string,
  ) {
    this.renewEveryMs = store.renewEveryMs;
  }

  renew(): Promise<boolean> {
    return RENEW.run(this.store, isOne, this.key, this.lock, this.store.lockTtlMs);
  }

  complete(info: CompletionInfo): Promise<boolean> {
    const record: RedisDoneRecord = { outcome: info.outcome, digest: this.digest };
    if (info.result !== undefined) record.result = info.result;
    return COMPLETE.run(this.store, isOne, this.key, this.lock, DONE + JSON.stringify(record), this.store.doneTtlSeconds);
  }

  release(): Promise<void> {
    return RELEASE.run(this.store, noop, this.key, this.lock);
  }
}

function noop(): void {}

/**
 * Claims as `SET key lock:<token>:<digest> NX PX lockTtl`, a token per delivery (one round trip); renewal,
 * completion (`done:{…}` with a TTL, one round trip) and release are Lua scripts, run by their SHA-1, that act only
 * while the key still holds that delivery's token. A claim that finds the key taken reads it (one more round trip)
 * to tell a completed event from one in flight. The commands sent in one tick leave in one write (CoalescedWrites).
 */
export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): RedisIdempotencyStore {
  if (!options.client && !options.url) throw new TypeError("redisIdempotencyStore needs { client } or { url }.");
  const keyPrefix = options.keyPrefix ?? "siglume:evt:";
  const lockTtlMs = options.lockTtlMs ?? 30_000;
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
  const writes = new CoalescedWrites(redis);
  const settings: StoreSettings = {
    redis,
    writes,
    lockTtlMs,
    doneTtlSeconds: options.doneTtlSeconds ?? 7 * 24 * 3600,
    renewEveryMs: Math.max(1, Math.floor(lockTtlMs / 3)),
  };

  /** The key was taken: completed (with its record), in flight, or gone again (the lock lapsed: claim once more). */
  async function taken(key: string, lock: string, digest: string, retries: number): Promise<ClaimResult> {
    writes.hold();
    const current = await redis.get(key);
    if (current !== null) return current.startsWith(DONE) ? completedResult(current) : { status: "in_flight" };
    if (retries === 0) return { status: "in_flight" };
    return claimKey(key, lock, digest, retries - 1);
  }

  function claimKey(key: string, lock: string, digest: string, retries: number): Promise<ClaimResult> {
    writes.hold();
    return redis.set(key, lock, "PX", lockTtlMs, "NX").then((reply) =>
      reply === "OK" ? { status: "claimed", claim: new RedisClaim(settings, key, lock, digest) } : taken(key, lock, digest, retries),
    );
  }

  return {
    claim(eventKey, { digest }): Promise<ClaimResult> {
      return claimKey(keyPrefix + eventKey, `lock:${randomUUID()}:${digest}`, digest, 1);
    },

    async close() {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
