// The idempotency store a smoke instance uses, from SMOKE_STORE ("memory", "postgres:<url>", "redis:<url>").
// Loaded dynamically, so the app itself never imports pg or ioredis (workerd without nodejs_compat has neither).
import type { IdempotencyStore } from "@siglume-middleware/web";

export async function storeFrom(spec: string | undefined): Promise<IdempotencyStore | undefined> {
  if (spec === undefined || spec === "" || spec === "memory") return undefined;
  const colon = spec.indexOf(":");
  const kind = spec.slice(0, colon);
  const url = spec.slice(colon + 1);
  if (kind === "postgres") {
    const { postgresIdempotencyStore } = await import("@siglume-middleware/store-postgres");
    return postgresIdempotencyStore({ connectionString: url });
  }
  if (kind === "redis") {
    const { redisIdempotencyStore } = await import("@siglume-middleware/store-redis");
    return redisIdempotencyStore({ url });
  }
  throw new Error(`SMOKE_STORE: unknown store ${JSON.stringify(kind)} (memory, postgres:<url>, redis:<url>)`);
}
