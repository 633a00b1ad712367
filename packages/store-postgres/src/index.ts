import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Pool, PoolClient } from "pg";
import {
  SiglumeWebhookError,
  type Claim,
  type ClaimResult,
  type CompletionInfo,
  type IdempotencyStore,
  type SiglumeContext,
} from "@siglume-middleware/core";

export interface PostgresIdempotencyStoreOptions {
  /** Your pool. Give it an 'error' listener and a connectionTimeoutMillis, as for any long-lived pool. */
  pool?: Pool;
  /** Or a connection string; the store then owns a small pool with short timeouts. */
  connectionString?: string;
  /** Default "siglume_webhook_events" (optionally schema-qualified). */
  table?: string;
  /**
   * Default true: the claim opens the transaction the handler writes through
   * (ctx.transaction); completion is written and committed in it, a throw or
   * a crash rolls the handler's work back. With false, claims are leases like
   * the Redis store's and the handler's writes are its own.
   */
  transactional?: boolean;
  /** Lease mode: a claim's lease, renewed every third of it while the handler runs. Default 30 s. */
  leaseMs?: number;
  /**
   * Default true: create the table if missing, and add the columns this
   * version needs to a table made by an older one. Set false and run
   * createTableSql() in a migration.
   */
  createTable?: boolean;
}

export interface PostgresIdempotencyStore extends IdempotencyStore {
  /** The table's DDL (create, then add any missing columns), for your migrations. */
  readonly createTableSql: string;
  /** Ends the pool if the store created it. */
  close(): Promise<void>;
}

/** ctx for handlers of a transactional store: `ctx.transaction.query(...)` commits with the event record. */
export type PostgresSiglumeContext<TRequest = unknown> = SiglumeContext<TRequest> & { transaction: PoolClient };

/** The open transaction of a transactional store's claim, or a clear error when there is none. */
export function transactionOf(ctx: { transaction?: unknown }): PoolClient {
  if (!ctx.transaction) {
    throw new Error(
      "ctx.transaction is not set: use postgresIdempotencyStore({ transactional: true }) as the idempotencyStore.",
    );
  }
  return ctx.transaction as PoolClient;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DEFAULT_TABLE = "siglume_webhook_events";

function quoteTable(table: string): string {
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(`table must be a plain SQL identifier (optionally schema.table), got ${JSON.stringify(table)}`);
  }
  return parts.map((part) => `"${part}"`).join(".");
}

export function createTableSql(table = DEFAULT_TABLE): string {
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
  locked_until  timestamptz,
  claim_token   text,
  body_digest   text,
  result        text
);
ALTER TABLE ${name}
  ADD COLUMN IF NOT EXISTS claim_token text,
  ADD COLUMN IF NOT EXISTS body_digest text,
  ADD COLUMN IF NOT EXISTS result text`;
}

/** A 32-bit namespace for the advisory locks of one table, so they cannot meet the app's own. */
function lockNamespace(table: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < table.length; i++) hash = Math.imul(hash ^ table.charCodeAt(i), 0x01000193);
  return hash | 0;
}

const connectionLost = (cause: unknown) =>
  new SiglumeWebhookError(
    "STORE_CONNECTION_LOST",
    "The database connection holding this event's transaction was lost (server restart, failover, " +
      "pg_terminate_backend or idle_in_transaction_session_timeout). Nothing was committed; the sender will redeliver.",
    { cause },
  );

const closedAtTimeout = () =>
  new Error(
    "This handler settled after handlerTimeoutMs. Its transaction was closed with its connection at the timeout, so " +
      "nothing it wrote was committed; the event is handled again by the next delivery.",
  );

type TransactionState = "open" | "lost" | "abandoned" | "ended";

/**
 * Event records in PostgreSQL, shared by every instance. Stores ids, status,
 * attempts, timestamps, the outcome (e.g. "standard_settled") and a digest of
 * the signed body; never the secret or the payload.
 */
export function postgresIdempotencyStore(options: PostgresIdempotencyStoreOptions): PostgresIdempotencyStore {
  const tableName = options.table ?? DEFAULT_TABLE;
  const table = quoteTable(tableName);
  const ddl = createTableSql(tableName);
  const namespace = lockNamespace(tableName);
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
      // Fail fast while the database is down: the webhook answers 503 and the sender retries.
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

  /**
   * One round trip: begin, take the event's advisory lock (held until the
   * transaction ends: that is the in-flight marker), read a completed record,
   * and set the savepoint a failed handler is rolled back to. Nothing is
   * written until the outcome is known: the record is written once, with the
   * handler's work, in the same commit. Literals, not parameters: only the
   * simple protocol takes several statements at once.
   */
  function claimSql(client: PoolClient, key: string): string {
    const k = client.escapeLiteral(key);
    return `BEGIN;
SELECT pg_try_advisory_xact_lock(${namespace}, hashtext(${k})) AS locked, done.status AS done, done.body_digest, done.result
FROM (SELECT 1) AS one LEFT JOIN ${table} AS done ON done.event_id = ${k} AND done.status = 'completed';
SAVEPOINT siglume_handler`;
  }

  /** Writes the record under the lock: the first attempt inserts it, later ones update it. */
  function recordSql(client: PoolClient, key: string, type: string, digest: string, status: "completed" | "failed", info?: CompletionInfo): string {
    const literal = (value: string | undefined) => (value === undefined ? "NULL" : client.escapeLiteral(value));
    const completedAt = status === "completed" ? "now()" : "NULL";
    return `INSERT INTO ${table} AS e (event_id, event_type, status, outcome, result, attempts, body_digest, completed_at)
VALUES (${literal(key)}, ${literal(type)}, '${status}', ${literal(info?.outcome)}, ${literal(info?.result)}, 1, ${literal(digest)}, ${completedAt})
ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, outcome = EXCLUDED.outcome, result = EXCLUDED.result,
  attempts = e.attempts + 1, body_digest = EXCLUDED.body_digest, completed_at = EXCLUDED.completed_at, last_seen_at = now(),
  claim_token = NULL, locked_until = NULL`;
  }

  async function claimInTransaction(key: string, type: string, digest: string): Promise<ClaimResult> {
    const client = await pool.connect();
    // Mutated by the listener and the claim's steps; an object, so no step's view of it is narrowed.
    const tx: { state: TransactionState; lostWith?: unknown } = { state: "open" };
    // A checked-out client has no pool listener: without ours, a terminated backend would crash the process.
    const onError = (error: unknown) => {
      if (tx.state === "open") Object.assign(tx, { state: "lost", lostWith: error });
    };
    client.on("error", onError);
    const isLost = () => tx.state === "lost";
    const end = (error?: Error) => {
      if (tx.state === "open") tx.state = "ended";
      client.removeListener("error", onError);
      client.release(error);
    };

    try {
      const results = (await client.query(claimSql(client, key))) as unknown as pg.QueryResult[];
      const row = results[1]!.rows[0] as { locked: boolean; done: string | null; body_digest: string | null; result: string | null };
      if (row.done !== null || !row.locked) {
        await client.query("ROLLBACK");
        end();
        return row.done !== null
          ? { status: "completed", digest: row.body_digest, result: row.result }
          : { status: "in_flight" };
      }
    } catch (error) {
      end(error as Error);
      throw tx.state === "lost" ? connectionLost(tx.lostWith) : error;
    }

    // Rejects every query once the transaction is over, so a handler still running past its timeout
    // (or work it left behind) can never write outside it.
    const transaction = guard(client, () => tx.state !== "open");

    const claim: Claim = {
      transaction,
      renew: () => Promise.resolve(tx.state === "open"),
      async complete(info: CompletionInfo) {
        if (tx.state === "abandoned") throw closedAtTimeout();
        if (tx.state === "lost") throw connectionLost(tx.lostWith);
        try {
          // Written and committed with the handler's work; nobody else can hold this event meanwhile.
          await client.query(`${recordSql(client, key, type, digest, "completed", info)};\nCOMMIT`);
          end();
          return true;
        } catch (error) {
          // Not committed: the handler's work is rolled back with it and the redelivery runs again.
          const lost = isLost();
          end(error as Error);
          throw lost ? connectionLost(tx.lostWith) : error;
        }
      },
      async release() {
        if (tx.state === "abandoned" || tx.state === "ended") return;
        if (tx.state === "lost") {
          end(new Error("connection lost"));
          throw connectionLost(tx.lostWith);
        }
        try {
          // The handler's work is undone; the failed attempt is recorded under the same lock.
          await client.query(`ROLLBACK TO SAVEPOINT siglume_handler;\n${recordSql(client, key, type, digest, "failed")};\nCOMMIT`);
          end();
        } catch (error) {
          const lost = isLost();
          end(error as Error);
          if (lost) throw connectionLost(tx.lostWith);
          throw error;
        }
      },
      abandon() {
        if (tx.state !== "open") return;
        tx.state = "abandoned";
        // Closing the connection ends the transaction on the server; a ROLLBACK would leave the connection
        // usable, and the still-running handler's next statement would then commit on its own.
        client.removeListener("error", onError);
        client.release(new Error("handlerTimeoutMs passed: the transaction is closed with its connection"));
      },
    };
    return { status: "claimed", claim };
  }

  const leaseClaimSql = `INSERT INTO ${table} AS e (event_id, event_type, status, attempts, locked_until, claim_token, body_digest)
    VALUES ($1, $2, 'processing', 1, now() + $3 * interval '1 millisecond', $4, $5)
    ON CONFLICT (event_id) DO UPDATE
      SET status = 'processing', attempts = e.attempts + 1, last_seen_at = now(), locked_until = EXCLUDED.locked_until,
          claim_token = EXCLUDED.claim_token, body_digest = EXCLUDED.body_digest
      WHERE e.status <> 'completed' AND (e.locked_until IS NULL OR e.locked_until < now())
    RETURNING 1`;
  const leaseRenewSql = `UPDATE ${table} SET locked_until = now() + $3 * interval '1 millisecond'
    WHERE event_id = $1 AND claim_token = $2`;
  const leaseCompleteSql = `UPDATE ${table} SET status = 'completed', outcome = $3, result = $4, completed_at = now(),
    last_seen_at = now(), locked_until = NULL, claim_token = NULL WHERE event_id = $1 AND claim_token = $2`;
  const leaseReleaseSql = `UPDATE ${table} SET status = 'failed', last_seen_at = now(), locked_until = NULL,
    claim_token = NULL WHERE event_id = $1 AND claim_token = $2`;

  async function claimLease(key: string, type: string, digest: string): Promise<ClaimResult> {
    const token = randomUUID();
    const claimed = await pool.query(leaseClaimSql, [key, type, leaseMs, token, digest]);
    if (claimed.rowCount === 1) {
      const claim: Claim = {
        renewEveryMs: Math.max(1, Math.floor(leaseMs / 3)),
        renew: async () => (await pool.query(leaseRenewSql, [key, token, leaseMs])).rowCount === 1,
        complete: async (info) =>
          (await pool.query(leaseCompleteSql, [key, token, info.outcome, info.result ?? null])).rowCount === 1,
        release: async () => {
          await pool.query(leaseReleaseSql, [key, token]);
        },
      };
      return { status: "claimed", claim };
    }
    const existing = await pool.query<{ status: string; body_digest: string | null; result: string | null }>(
      `SELECT status, body_digest, result FROM ${table} WHERE event_id = $1`,
      [key],
    );
    const record = existing.rows[0];
    return record?.status === "completed"
      ? { status: "completed", digest: record.body_digest, result: record.result }
      : { status: "in_flight" };
  }

  return {
    createTableSql: ddl,

    async claim(key, { type, digest }) {
      await ensureTable();
      return transactional ? claimInTransaction(key, type, digest) : claimLease(key, type, digest);
    },

    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

/**
 * The client as handlers see it: the same object in every respect (instanceof,
 * methods, ORMs that wrap it), except that query() rejects once `ended()`.
 */
function guard(client: PoolClient, ended: () => boolean): PoolClient {
  const query = (...args: unknown[]) => {
    if (ended()) {
      const error = new Error(
        "This event's transaction is over (completed, rolled back, timed out or its connection was lost): ctx.transaction " +
          "takes no more queries. Await every query before the handler returns.",
      );
      const callback = args.at(-1);
      if (typeof callback === "function") return void callback(error);
      return Promise.reject(error);
    }
    return Reflect.apply(client.query, client, args) as unknown;
  };
  return new Proxy(client, {
    get: (target, property, receiver) => (property === "query" ? query : Reflect.get(target, property, receiver)),
  });
}

export * from "./orders.js";
