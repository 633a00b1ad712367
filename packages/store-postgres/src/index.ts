import pg from "pg";
import type { Pool, PoolClient } from "pg";
import type { ClaimResult, IdempotencyStore, SiglumeContext } from "@siglume-middleware/core";

export interface PostgresIdempotencyStoreOptions {
  /** Your pool. Give it an 'error' listener and a connectionTimeoutMillis, as for any long-lived pool. */
  pool?: Pool | undefined;
  /** Or a connection string; the store then owns a small pool with short timeouts. */
  connectionString?: string | undefined;
  /** Default "siglume_webhook_events" (optionally schema-qualified). */
  table?: string | undefined;
  /**
   * Default true: the claim opens a transaction that stays open while the
   * handler runs (ctx.transaction); completion commits it, a throw or a crash
   * rolls it back. With false, claims are leases like the Redis store's.
   */
  transactional?: boolean | undefined;
  /** Non-transactional mode: a claim older than this is presumed abandoned. Default 30 s. */
  leaseMs?: number | undefined;
  /** Default true: CREATE TABLE IF NOT EXISTS on first use. Set false and run createTableSql() in a migration. */
  createTable?: boolean | undefined;
}

export interface PostgresIdempotencyStore extends IdempotencyStore {
  /** The table's DDL, for your migrations. */
  readonly createTableSql: string;
  /** Ends the pool if the store created it. */
  close(): Promise<void>;
}

/** ctx for handlers of a transactional store: `ctx.transaction.query(...)` commits with the event record. */
export type PostgresSiglumeContext<TRequest = unknown> = SiglumeContext<TRequest> & { transaction: PoolClient };

/** The open transaction of a transactional store's claim, or a clear error when there is none. */
export function transactionOf(ctx: SiglumeContext<unknown>): PoolClient {
  if (!ctx.transaction) {
    throw new Error(
      "ctx.transaction is not set: use postgresIdempotencyStore({ transactional: true }) as the idempotencyStore.",
    );
  }
  return ctx.transaction as PoolClient;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const LOCK_NOT_AVAILABLE = "55P03";

function quoteTable(table: string): string {
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(`table must be a plain SQL identifier (optionally schema.table), got ${JSON.stringify(table)}`);
  }
  return parts.map((part) => `"${part}"`).join(".");
}

export function createTableSql(table = "siglume_webhook_events"): string {
  const name = quoteTable(table);
  return `CREATE TABLE IF NOT EXISTS ${name} (
  event_id      text PRIMARY KEY,
  event_type    text NOT NULL,
  status        text NOT NULL CHECK (status IN ('received', 'processing', 'failed', 'completed')),
  outcome       text,
  attempts      integer NOT NULL DEFAULT 0,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  locked_until  timestamptz
)`;
}

/**
 * Event records in PostgreSQL, shared by every instance. Stores ids, status,
 * attempts, timestamps and the outcome (e.g. "standard_settled"); never the
 * secret or the payload.
 */
export function postgresIdempotencyStore(options: PostgresIdempotencyStoreOptions): PostgresIdempotencyStore {
  const table = quoteTable(options.table ?? "siglume_webhook_events");
  const ddl = createTableSql(options.table);
  const transactional = options.transactional ?? true;
  const leaseMs = options.leaseMs ?? 30_000;
  const ownsPool = !options.pool;
  if (!options.pool && !options.connectionString) {
    throw new TypeError("postgresIdempotencyStore needs { pool } or { connectionString }.");
  }
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: 10,
      // Fail fast while the database is down: the webhook answers 503 and Siglume retries.
      connectionTimeoutMillis: 3000,
      query_timeout: 10_000,
    });
  // An idle client losing its server must not crash the process; the next claim reconnects.
  if (ownsPool) pool.on("error", () => {});

  let tableReady: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    if (options.createTable === false) return Promise.resolve();
    tableReady ??= pool.query(ddl).then(
      () => undefined,
      (error: { code?: string }) => {
        // Two instances creating it at once: the loser sees a duplicate; the table exists.
        if (error.code === "23505" || error.code === "42P07") return;
        tableReady = undefined;
        throw error;
      },
    );
    return tableReady;
  };

  /** Transactions held open between claim and complete/release, by event id (one per id: the row lock). */
  const open = new Map<string, PoolClient>();

  async function claimInTransaction(eventId: string, type: string): Promise<ClaimResult> {
    // Make sure the row exists, committed at once so concurrent deliveries never wait on each other's insert.
    await pool.query(
      `INSERT INTO ${table} (event_id, event_type, status) VALUES ($1, $2, 'received') ON CONFLICT (event_id) DO NOTHING`,
      [eventId, type],
    );
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      let status: string | undefined;
      try {
        const result = await client.query<{ status: string }>(
          `SELECT status FROM ${table} WHERE event_id = $1 FOR UPDATE NOWAIT`,
          [eventId],
        );
        status = result.rows[0]?.status;
      } catch (error) {
        // Another instance holds the row: it is handling this event right now.
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        status = "locked";
      }
      if (status !== "completed" && status !== "locked") {
        await client.query(
          `UPDATE ${table} SET status = 'processing', attempts = attempts + 1, last_seen_at = now() WHERE event_id = $1`,
          [eventId],
        );
        open.set(eventId, client);
        return { status: "claimed", transaction: client };
      }
      await client.query("ROLLBACK");
      client.release();
      return { status: status === "completed" ? "completed" : "in_flight" };
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  async function claimLease(eventId: string, type: string): Promise<ClaimResult> {
    const claimed = await pool.query(
      `INSERT INTO ${table} AS t (event_id, event_type, status, attempts, locked_until)
       VALUES ($1, $2, 'processing', 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (event_id) DO UPDATE
         SET status = 'processing', attempts = t.attempts + 1, last_seen_at = now(), locked_until = EXCLUDED.locked_until
         WHERE t.status <> 'completed' AND (t.locked_until IS NULL OR t.locked_until < now())
       RETURNING event_id`,
      [eventId, type, leaseMs],
    );
    if (claimed.rowCount === 1) return { status: "claimed" };
    const existing = await pool.query<{ status: string }>(`SELECT status FROM ${table} WHERE event_id = $1`, [eventId]);
    return { status: existing.rows[0]?.status === "completed" ? "completed" : "in_flight" };
  }

  const completeSql = `UPDATE ${table} SET status = 'completed', outcome = $2, completed_at = now(), last_seen_at = now(), locked_until = NULL WHERE event_id = $1`;

  return {
    createTableSql: ddl,

    async claim(eventId, { type }) {
      await ensureTable();
      return transactional ? claimInTransaction(eventId, type) : claimLease(eventId, type);
    },

    async complete(eventId, { outcome }) {
      const client = open.get(eventId);
      if (!client) {
        await pool.query(completeSql, [eventId, outcome]);
        return;
      }
      open.delete(eventId);
      try {
        await client.query(completeSql, [eventId, outcome]);
        await client.query("COMMIT");
        client.release();
      } catch (error) {
        // The commit did not happen: the order update is rolled back with it and the redelivery runs again.
        client.release(error as Error);
        throw error;
      }
    },

    async release(eventId) {
      const client = open.get(eventId);
      open.delete(eventId);
      if (client) {
        try {
          await client.query("ROLLBACK");
          client.release();
        } catch (error) {
          client.release(error as Error);
        }
      }
      // Outside the rolled-back transaction, so the failed attempt stays on record.
      await pool.query(
        `UPDATE ${table} SET status = 'failed', attempts = attempts + $2, last_seen_at = now(), locked_until = NULL WHERE event_id = $1`,
        [eventId, client ? 1 : 0],
      );
    },

    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
