// What every multi-instance store test app does, whatever serves it (support/instance.ts on Node's frameworks,
// support/instance-fetch.ts on Bun and Deno), from STORE (postgres|redis), PG_URL, REDIS_URL, SECRET:
// its handler marks the order paid (through ctx.transaction with the PostgreSQL store) and prints
// DISPATCH/PAID lines the tests read. CRASH_IN_HANDLER=1 makes it hang inside the handler after the order
// update, to be killed there.
import pg from "pg";
import type { IdempotencyStore, SiglumeContext, SiglumeReview, StandardSettled } from "@siglume-middleware/core";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";

const { STORE = "postgres", PG_URL, REDIS_URL, SECRET = "whsec_instances" } = process.env;

/** A line for the test to read. */
export const say = (line: string) => process.stdout.write(`${line}\n`);

const store: IdempotencyStore =
  STORE === "redis" ? redisIdempotencyStore({ url: REDIS_URL! }) : postgresIdempotencyStore({ connectionString: PG_URL! });
// With Redis the claim lives apart from the orders, which take an autocommit update.
const orders = STORE === "redis" ? new pg.Pool({ connectionString: PG_URL, connectionTimeoutMillis: 3000 }) : undefined;
orders?.on("error", () => {});

/** The confirmed-payment handler: one order update per dispatch. */
export async function paid(payment: StandardSettled, ctx: SiglumeContext) {
  say(`DISPATCH ${payment.event.id}`);
  const db = orders ?? transactionOf(ctx);
  await db.query("UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1", [payment.challenge_hash]);
  if (process.env.CRASH_IN_HANDLER === "1") {
    say(`IN_HANDLER ${payment.event.id}`);
    await new Promise(() => {}); // killed here
  }
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
  say(`PAID ${payment.event.id}`);
}

/** The review handler. */
export const review = (r: SiglumeReview) => say(`REVIEW ${r.event.id} ${r.reason}`);

/** The Siglume options every instance mounts. */
export const options = {
  webhookSecret: SECRET,
  idempotencyStore: store,
  onDirectPaymentConfirmed: paid,
  onReview: review,
  onError: (error: unknown) => say(`ERROR ${(error as Error).message}`),
};
