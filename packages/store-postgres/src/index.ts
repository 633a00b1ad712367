import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Pool, PoolClient } from "pg";
import { addColumnsSql, createSerialised, lockNamespace } from "./ddl.js";
import {
  SiglumeWebhookError,
  type Claim,
  type ClaimResult,
  type CompletionInfo,
  type IdempotencyStore,
  type SiglumeContext,
} from "@siglume-middleware/core";

/**
 * Options of `postgresIdempotencyStore`: your `pg` pool (or a connection string), the table, the claim lease, and
 * whether handlers run in the claim's transaction. Share one table between instances to get exactly-once across them.
 */
export interface PostgresIdempotencyStoreOptions {
  /** Your pool. Give it an 'error' listener and a connectionTimeoutMillis, as for any long-lived pool. */
  pool?: Pool | undefined;
  /** Or a connection string; the store then owns a small pool with short timeouts. */
  connectionString?: string | undefined;
  /** Default "siglume_webhook_events" (optionally schema-qualified). */
  table?: string | undefined;
  /**
   * Default true: the claim opens the transaction the handler writes through
   * (ctx.transaction); completion is written and committed in it, a throw or
   * a crash rolls the handler's work back. With false, claims are leases like
   * the Redis store's and the handler's writes are its own.
   */
  transactional?: boolean | undefined;
  /** Lease mode: a claim's lease, renewed every third of it while the handler runs. Default 30 s. */
  leaseMs?: number | undefined;
  /**
   * Default true: create the table if missing, and add the columns this
   * version needs to a table made by an older one. Set false and run
   * createTableSql() in a migration.
   */
  createTable?: boolean | undefined;
  /**
   * Default true: the transactional claim is a prepared statement (SQL `PREPARE` once per connection, then
   * `EXECUTE`), which saves PostgreSQL parsing and planning it per delivery. Set false behind a transaction-mode
   * pooler (PgBouncer `pool_mode = transaction`) that does not keep SQL-level prepared statements per client.
   * Left on there, the store switches to the unprepared claim by itself the first time a connection reports the
   * statement missing or already there, and makes that claim again.
   */
  preparedClaim?: boolean | undefined;
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
/** Columns added since 0.1; a table made by 0.1 gets them in place. */
const MIGRATED_COLUMNS = ["claim_token", "body_digest", "result"];
const IN_FAILED_TRANSACTION = "25P02";
/** "prepared statement does not exist", "… already exists". */
const PREPARED_GONE = new Set(["26000", "42P05"]);

/**
 * The statements prepared on each connection (every store using a pool shares its connections), by their whole
 * PREPARE text: two tables whose names hash alike share a statement name, and one store must never EXECUTE the
 * other's (its PREPARE then fails 42P05 and the store claims unprepared).
 */
const preparedOn = new WeakMap<object, Set<string>>();
const isPrepared = (client: PoolClient, statement: string) => preparedOn.get(client)?.has(statement) === true;
function markPrepared(client: PoolClient, statement: string): void {
  const names = preparedOn.get(client);
  if (names === undefined) preparedOn.set(client, new Set([statement]));
  else names.add(statement);
}
const DEFAULT_TABLE = "siglume_webhook_events";

function quoteTable(table: string): string {
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(`table must be a plain SQL identifier (optionally schema.table), got ${JSON.stringify(table)}`);
  }
  return parts.map((part) => `"${part}"`).join(".");
}

/**
 * The `CREATE TABLE IF NOT EXISTS` statement of the event table (default `siglume_webhook_events`), for your
 * migrations; the store also creates it at start-up unless told not to.
 */
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

const connectionLost = (cause: unknown) =>
  new SiglumeWebhookError(
    "STORE_CONNECTION_LOST",
    "The database connection holding this event's transaction was lost (server restart, failover, " +
      "pg_terminate_backend or idle_in_transaction_session_timeout). Nothing was committed; the sender will redeliver.",
    { cause },
  );

const abortedByHandler = (cause: unknown) =>
  new SiglumeWebhookError(
    "HANDLER_FAILED",
    "The handler went on after a query through ctx.transaction failed, so PostgreSQL had aborted the transaction and " +
      "nothing could be committed. Let a failed query's error reach the handler's caller (or roll back to a savepoint " +
      "of your own) instead of catching it and going on.",
    { cause },
  );

const closedAtTimeout = () =>
  new Error(
    "This handler settled after handlerTimeoutMs. Its transaction was closed with its connection at the timeout, so " +
      "nothing it wrote was committed; the event is handled again by the next delivery.",
  );

type TransactionState = "open" | "closing" | "lost" | "abandoned" | "ended";

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

  // Only what is missing is created: ALTER TABLE takes an ACCESS EXCLUSIVE lock even when every column
  // exists, and would queue every instance's claims behind the longest running handler at each start.
  const createOnly = ddl.slice(0, ddl.indexOf(";\nALTER TABLE"));
  let tableReady: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    if (options.createTable === false) return Promise.resolve();
    tableReady ??= (async () => {
      // Instances starting together create it one at a time (see createSerialised).
      await createSerialised(pool, namespace, [createOnly]);
      const { rows } = await pool.query<{ present: string }>(
        "SELECT count(*) AS present FROM pg_attribute WHERE attrelid = $1::regclass AND attname = ANY($2) AND NOT attisdropped",
        [table, MIGRATED_COLUMNS],
      );
      // A table from 0.1: its new columns, one instance at a time, each waiting for the table's lock only briefly.
      if (Number(rows[0]!.present) < MIGRATED_COLUMNS.length) {
        await createSerialised(pool, namespace, [addColumnsSql(table, MIGRATED_COLUMNS.map((name) => ({ name, type: "text" })))]);
      }
    })().catch((error: unknown) => {
      tableReady = undefined;
      throw error;
    });
    return tableReady;
  };

  /**
   * The outcome the last completion of each event type recorded. The claim writes it ahead, so that a completion
   * with the same outcome (nearly every one: the outcome follows from the event's type) is a bare COMMIT; another
   * outcome costs one UPDATE in the same round trip. Bounded: types can come from payloads.
   */
  const expectedOutcomes = new Map<string, string>();

  /** A literal for the simple protocol. Labels can come from a payload: a NUL, which PostgreSQL text cannot hold, is replaced. */
  const literal = (client: PoolClient, value: string | undefined) =>
    value === undefined ? "NULL" : client.escapeLiteral(value.replaceAll("\u0000", "\uFFFD"));

  /**
   * The claim, prepared once per connection (see claimSql): take the event's advisory lock (held until the
   * transaction ends: that is the in-flight marker) and, only if it was granted, write the event's record as
   * completed, uncommitted, in the same INSERT … SELECT … WHERE pg_try_advisory_xact_lock(…). A copy that finds the
   * lock taken writes nothing and answers in_flight at once; a completed record is never overwritten (ON CONFLICT …
   * WHERE) and is read instead. Parameters: key, type, outcome written ahead, digest.
   *
   * A completion committed after this statement's snapshot was taken but before the lock was granted is neither
   * overwritten nor seen: no row comes back, and that delivery answers in_flight (the sender retries, and then
   * finds it completed).
   */
  const claimStatement = `siglume_claim_${(namespace >>> 0).toString(16)}`;
  const claimQuery = `WITH claimed AS (
  INSERT INTO ${table} AS e (event_id, event_type, status, outcome, attempts, body_digest, completed_at)
  SELECT $1, $2, 'completed', $3, 1, $4, now()
  WHERE pg_try_advisory_xact_lock(${namespace}, hashtext($1))
  ON CONFLICT (event_id) DO UPDATE SET event_type = EXCLUDED.event_type, status = 'completed', outcome = EXCLUDED.outcome,
    result = NULL, attempts = e.attempts + 1, body_digest = EXCLUDED.body_digest, completed_at = EXCLUDED.completed_at,
    last_seen_at = now(), claim_token = NULL, locked_until = NULL
  WHERE e.status <> 'completed'
  RETURNING true AS claimed, NULL::text AS body_digest, NULL::text AS result
)
SELECT * FROM claimed
UNION ALL
SELECT false, body_digest, result FROM ${table} WHERE event_id = $1 AND status = 'completed' AND NOT EXISTS (SELECT 1 FROM claimed)`;
  const prepareClaim = `PREPARE ${claimStatement}(text, text, text, text) AS\n${claimQuery}`;
  // Off when asked, or once a connection showed that prepared statements do not stay (a transaction-mode pooler).
  let prepared = options.preparedClaim !== false;

  /**
   * One round trip: BEGIN, the claim (prepared on this connection first if it is not yet: parsing and planning it
   * on every delivery cost the server more than the rest of the transaction), then the savepoint a failed handler
   * (or a decision's fallback) is rolled back to, keeping the record and the lock. The record commits with the
   * handler's work, or becomes a failure record under the same lock. Literals, not parameters: only the simple
   * protocol takes several statements at once.
   */
  function claimSql(client: PoolClient, key: string, type: string, digest: string, outcome: string | undefined): string {
    const args = [literal(client, key), literal(client, type), literal(client, outcome), literal(client, digest)];
    // Unprepared: the same query with the literals in place of $1…$4 (one pass, so a literal is never rescanned).
    if (!prepared) return `BEGIN ISOLATION LEVEL READ COMMITTED;\n${claimQuery.replace(/\$([1-4])/g, (_, n: string) => args[Number(n) - 1]!)};\nSAVEPOINT siglume_handler`;
    const prepare = isPrepared(client, prepareClaim) ? "" : `${prepareClaim};\n`;
    return `${prepare}BEGIN ISOLATION LEVEL READ COMMITTED;
EXECUTE ${claimStatement}(${args.join(", ")});
SAVEPOINT siglume_handler`;
  }

  /** The claim's record gets `info` (when it differs from what the claim wrote ahead), then everything commits. */
  function completeSql(client: PoolClient, key: string, written: string | undefined, info: CompletionInfo): string {
    if (info.outcome === written && info.result === undefined) return "COMMIT";
    return `UPDATE ${table} SET outcome = ${literal(client, info.outcome)}, result = ${literal(client, info.result)} WHERE event_id = ${literal(client, key)};
COMMIT`;
  }

  async function claimInTransaction(key: string, type: string, digest: string): Promise<ClaimResult> {
    const client = await pool.connect();
    // Mutated by the listener and the claim's steps; an object, so no step's view of it is narrowed.
    const tx: { state: TransactionState; lostWith?: unknown } = { state: "open" };
    // A checked-out client has no pool listener: without ours, a terminated backend would crash the process.
    const onError = (error: unknown) => {
      if (tx.state === "open" || tx.state === "closing") Object.assign(tx, { state: "lost", lostWith: error });
    };
    client.on("error", onError);
    const isLost = () => tx.state === "lost";
    const end = (error?: Error) => {
      if (tx.state !== "lost" && tx.state !== "abandoned") tx.state = "ended";
      client.removeListener("error", onError);
      client.release(error);
    };

    const outcome = expectedOutcomes.get(type);
    try {
      const results = (await client.query(claimSql(client, key, type, digest, outcome))) as unknown as pg.QueryResult[];
      markPrepared(client, prepareClaim);
      const row = results.at(-2)!.rows[0] as { claimed: boolean; body_digest: string | null; result: string | null } | undefined;
      if (row?.claimed !== true) {
        await client.query("ROLLBACK");
        end();
        return row !== undefined ? { status: "completed", digest: row.body_digest, result: row.result } : { status: "in_flight" };
      }
    } catch (error) {
      const lost = isLost();
      end(error as Error);
      if (lost) throw connectionLost(tx.lostWith);
      // The prepared claim was dropped (DEALLOCATE, DISCARD ALL) or made behind our back: once more, on a new connection.
      if (prepared && PREPARED_GONE.has((error as { code?: string }).code ?? "")) {
        // A connection lost the prepared claim, or had one it did not make: a pooler in transaction mode (or a
        // DISCARD ALL) moves statements between clients. The unprepared claim from now on, this one included.
        prepared = false;
        return claimInTransaction(key, type, digest);
      }
      throw error;
    }

    // From the first statement of completion or release on, the handler's client takes no more queries:
    // one still running (a sibling promise, a handler past its timeout) can never write outside the transaction.
    const transaction = guard(client, () => tx.state !== "open");

    const stillUsable = () => {
      if (tx.state === "abandoned") throw closedAtTimeout();
      if (tx.state === "lost") throw connectionLost(tx.lostWith);
    };
    const close = async (sql: string): Promise<true> => {
      tx.state = "closing";
      let answer: pg.QueryResult | pg.QueryResult[];
      try {
        answer = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
      } catch (error) {
        // Not committed: the handler's work is rolled back with it and the redelivery runs again.
        const lost = isLost();
        end(error as Error);
        if (lost) throw connectionLost(tx.lostWith);
        if ((error as { code?: string }).code === IN_FAILED_TRANSACTION) throw abortedByHandler(error);
        throw error;
      }
      end();
      // A COMMIT of a transaction that a failed statement aborted is answered ROLLBACK, not an error.
      if ((Array.isArray(answer) ? answer.at(-1)! : answer).command === "ROLLBACK") {
        throw abortedByHandler(new Error("COMMIT was answered ROLLBACK: a query through ctx.transaction had failed"));
      }
      return true;
    };

    const claim: Claim = {
      transaction,
      renew: () => Promise.resolve(tx.state === "open"),
      async complete(info: CompletionInfo) {
        stillUsable();
        // The record the claim wrote commits with the handler's work; nobody else can hold this event meanwhile.
        if (expectedOutcomes.size < 1024 || expectedOutcomes.has(type)) expectedOutcomes.set(type, info.outcome);
        return close(completeSql(client, key, outcome, info));
      },
      async completeInstead(info: CompletionInfo) {
        stillUsable();
        if (tx.state !== "open") return false;
        // The handler's work is undone (a query of it still queued runs first, inside the savepoint, and is
        // rolled back with it); the outcome is recorded and committed under the same lock.
        return close(`ROLLBACK TO SAVEPOINT siglume_handler;\n${completeSql(client, key, outcome, info)}`);
      },
      async release() {
        if (tx.state === "abandoned" || tx.state === "ended") return;
        if (tx.state === "lost") {
          end(new Error("connection lost"));
          throw connectionLost(tx.lostWith);
        }
        tx.state = "closing";
        try {
          // The handler's work is undone; the failed attempt is recorded under the same lock.
          await client.query(`ROLLBACK TO SAVEPOINT siglume_handler;
UPDATE ${table} SET status = 'failed', outcome = NULL, result = NULL, completed_at = NULL WHERE event_id = ${literal(client, key)};
COMMIT`);
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

// Statements that end or split a transaction: the store owns the transaction's boundaries.
const TRANSACTION_CONTROL = /(?:^|;)\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b/i;

function refuse(message: string, args: unknown[]): unknown {
  const error = new Error(message);
  const callback = args.at(-1);
  if (typeof callback === "function") return void callback(error);
  return Promise.reject(error);
}

/**
 * The client as handlers see it: the same object in every respect (instanceof,
 * methods, ORMs that wrap it), except that the store keeps the transaction's
 * boundaries: query() rejects once `ended()` and refuses transaction control
 * (COMMIT, ROLLBACK, SAVEPOINT …), and release()/end() throw, since the client
 * goes back to the pool when the event completes or fails.
 */
function guard(client: PoolClient, ended: () => boolean): PoolClient {
  const query = (...args: unknown[]) => {
    if (ended()) {
      return refuse(
        "This event's transaction is over (completed, rolled back, timed out or its connection was lost): ctx.transaction " +
          "takes no more queries. Await every query before the handler returns.",
        args,
      );
    }
    const config = args[0];
    const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text === "string" && TRANSACTION_CONTROL.test(text)) {
      return refuse(
        "ctx.transaction is the event's transaction, and the store owns its boundaries: it commits with the event's record " +
          "when the handler returns and rolls back when it throws. Run the handler's statements only (no BEGIN, COMMIT, " +
          "ROLLBACK or SAVEPOINT).",
        args,
      );
    }
    return Reflect.apply(client.query, client, args) as unknown;
  };
  const owned = () => {
    throw new Error(
      "ctx.transaction goes back to the pool when the event completes or fails: the handler must not release or end it.",
    );
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === "query" ? query : property === "release" || property === "end" ? owned : Reflect.get(target, property, receiver),
  });
}

export * from "./orders.js";
