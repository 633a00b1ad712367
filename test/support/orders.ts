// The merchant's side of the store tests: a real PostgreSQL with an `orders` table whose
// paid_count the handlers increment. Exactly-once means every count ends at 1.
import type pg from "pg";
import type { SiglumeEvent } from "@siglume-middleware/core";
import { siglumeEvents } from "@siglume-middleware/testing";
import { startPostgres, testPool, type PostgresServer } from "./servers.js";

export interface OrdersDatabase {
  postgres: PostgresServer;
  /** The test's own pool on it. */
  db: pg.Pool;
  /** `count` standard_settled events, each with an unpaid order for its challenge_hash. */
  newOrders(count: number): Promise<SiglumeEvent[]>;
  /** Each event's order's paid_count, in the events' order (-1 when there is no such order). */
  paidCounts(events: SiglumeEvent[]): Promise<number[]>;
  close(): Promise<void>;
}

export async function startOrdersDatabase(): Promise<OrdersDatabase> {
  const postgres = await startPostgres();
  const db = testPool(postgres.url);
  await db.query("CREATE TABLE orders (challenge_hash text PRIMARY KEY, paid_count integer NOT NULL DEFAULT 0)");
  return {
    postgres,
    db,
    async newOrders(count) {
      const events = Array.from({ length: count }, () => siglumeEvents.standardSettled());
      await db.query("INSERT INTO orders (challenge_hash) SELECT unnest($1::text[])", [events.map((e) => e.data.challenge_hash)]);
      return events;
    },
    async paidCounts(events) {
      const { rows } = await db.query<{ challenge_hash: string; paid_count: number }>(
        "SELECT challenge_hash, paid_count FROM orders WHERE challenge_hash = ANY($1)",
        [events.map((e) => e.data.challenge_hash)],
      );
      const byHash = new Map(rows.map((r) => [r.challenge_hash, r.paid_count]));
      return events.map((e) => byHash.get(e.data.challenge_hash as string) ?? -1);
    },
    async close() {
      await db.end();
      await postgres.destroy();
    },
  };
}
