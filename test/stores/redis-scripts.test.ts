// The Redis store's commands: its compare-and-set scripts run by SHA-1 (EVALSHA), sent whole only when the server
// forgot them (SCRIPT FLUSH, a restart, a failover to a replica that never saw them), each step acting only while the
// key holds its delivery's token; and the commands of deliveries handled in one tick leave in one write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { Claim, ClaimResult } from "@siglume-middleware/core";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";
import { startRedis, type RedisServer } from "../support/servers.js";

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
}, 60_000);
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

function claimOf(result: ClaimResult): Claim {
  if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
  return result.claim;
}

describe("Redis store scripts after the server's script cache was flushed", () => {
  it("renew, complete and release still act for the owner's token, and never for another's", async () => {
    const store = redisIdempotencyStore({ client, keyPrefix: "scripts:", lockTtlMs: 60_000 });
    const first = claimOf(await store.claim("evt_a", { type: "t", digest: "d1" }));
    await client.script("FLUSH");
    expect(await first.renew()).toBe(true);
    expect(await client.pttl("scripts:evt_a")).toBeGreaterThan(30_000);

    // Another delivery's token on the key (the first one's lock lapsed and it was taken over).
    await client.set("scripts:evt_a", "lock:other:d2", "PX", 60_000);
    await client.script("FLUSH");
    expect(await first.complete({ outcome: "standard_settled" })).toBe(false);
    await client.script("FLUSH");
    expect(await first.renew()).toBe(false);
    await client.script("FLUSH");
    await first.release({ error: new Error("handler failed") });
    expect(await client.get("scripts:evt_a")).toBe("lock:other:d2");

    const second = claimOf(await store.claim("evt_b", { type: "t", digest: "d3" }));
    await client.script("FLUSH");
    expect(await second.complete({ outcome: "standard_settled", result: "proceed" })).toBe(true);
    expect(await store.claim("evt_b", { type: "t", digest: "d3" })).toEqual({ status: "completed", digest: "d3", result: "proceed" });

    const third = claimOf(await store.claim("evt_c", { type: "t", digest: "d4" }));
    await client.script("FLUSH");
    await third.release({ error: new Error("handler failed") });
    expect(await client.exists("scripts:evt_c")).toBe(0);
  });
});

describe("Redis store writes", () => {
  it("sends the claims made in one tick in one write (the server reads them at once), each answered on its own", async () => {
    const store = redisIdempotencyStore({ client, keyPrefix: "writes:" });
    // The scripts loaded (the case above flushed them), so each step below is one command.
    expect(await claimOf(await store.claim("evt_warm", { type: "t", digest: "d" })).complete({ outcome: "standard_settled" })).toBe(true);
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec((await client.info("stats")) as string)![1]);
    const before = await reads();
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => store.claim(`evt_${i}`, { type: "t", digest: `d${i}` })));
    // One read for the 32 claims, one for the INFO below (no other client is connected).
    expect((await reads()) - before).toBe(2);
    const completions = await Promise.all(results.map((result) => claimOf(result).complete({ outcome: "standard_settled" })));
    expect(completions).toEqual(Array.from({ length: 32 }, () => true));
    expect((await reads()) - before).toBe(4); // the completions in one more read, and this INFO
  });
});
