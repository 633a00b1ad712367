import pg from "pg";
import type { Pool, PoolClient } from "pg";
import { COLUMN_LOCK_TIMEOUT_MS, addColumnsSql, createSerialised, lockNamespace } from "./ddl.js";
import {
  CheckoutStoreUnavailableError,
  PAID_ORDER_STATUSES,
  newAttemptId,
  newClaim,
  nonceFor,
  type BeginAttemptResult,
  type CheckoutOrder,
  type MarkPaidOutcome,
  type PaymentContext,
  type PaymentTarget,
  type SiglumeOrderStore,
} from "@siglume-middleware/checkout";

/** Where your orders live: the table and the four columns the checkout reads (and `status`, which it sets). */
export interface PostgresOrdersTable {
  /** Default "orders" (optionally schema-qualified). */
  table?: string;
  /** Default "id". */
  id?: string;
  /** Default "amount_minor": whole minor units (integer or bigint). */
  amountMinor?: string;
  /** Default "currency": "JPY" or "USD". */
  currency?: string;
  /** Default "status": set to "paid" (or "fulfilled_unsettled") once, by markPaid. */
  status?: string;
}

/**
 * Options of `postgresOrderStore`: your `pg` pool (or a connection string), how your orders table is read and marked
 * paid, the attempts table, and the ownership check.
 */
export interface PostgresOrderStoreOptions<TRequest> {
  /** Your `pg` pool (the store never ends it). */
  pool?: Pool;
  /** Or a connection string: the store then owns a small pool, ended by `close()`. */
  connectionString?: string;
  /** How your orders table is read and marked paid (table and column names); see docs/checkout.md. */
  orders?: PostgresOrdersTable;
  /** Default "siglume_checkout_attempts". */
  attemptsTable?: string;
  /**
   * The ownership check behind `authorize`: given the order's whole row and the framework's request, does
   * this shopper own it? Without it the store has no `authorize`, and a start route refuses to start.
   */
  owns?: (row: Record<string, unknown>, request: TRequest) => boolean | Promise<boolean>;
  /** Default true: create the attempts table and its indexes if missing. Or run attemptsTableSql yourself. */
  createTable?: boolean;
}

export interface PostgresOrderStore<TRequest = unknown> extends SiglumeOrderStore<TRequest> {
  /** The attempts table's DDL, for your migrations. */
  readonly attemptsTableSql: string;
  /** Ends the pool the store opened from `connectionString` (a pool you passed stays yours to end). */
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function quote(name: string, qualified = false): string {
  const parts = name.split(".");
  if (parts.length > (qualified ? 2 : 1) || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(`${JSON.stringify(name)} must be a plain SQL identifier${qualified ? " (optionally schema.table)" : ""}.`);
  }
  return parts.map((part) => `"${part}"`).join(".");
}

/** The attempts table and its two partial unique indexes, statement by statement. */
function attemptsDdl(table = "siglume_checkout_attempts") {
  const name = quote(table, true);
  const bare = table.split(".").pop()!;
  const createTable = `CREATE TABLE IF NOT EXISTS ${name} (
  attempt_id           text PRIMARY KEY,
  order_id             text NOT NULL,
  attempt_number       integer NOT NULL,
  nonce                text NOT NULL UNIQUE,
  status               text NOT NULL CHECK (status IN ('creating', 'pending', 'paid', 'fulfilled_unsettled', 'failed', 'expired')),
  merchant             text NOT NULL,
  amount_minor         bigint NOT NULL,
  currency             text NOT NULL,
  creation_lease_until timestamptz,
  creation_claim       text,
  session_id           text,
  checkout_url         text,
  challenge_hash       text UNIQUE,
  expires_at           timestamptz,
  failure_code         text,
  requirement_id       text,
  chain_receipt_id     text,
  paid_event_id        text,
  paid_at              timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, attempt_number)
)`;
  const indexes = [
    { name: `${bare}_one_active`, where: "('creating', 'pending')" },
    { name: `${bare}_one_paid`, where: "('paid', 'fulfilled_unsettled')" },
  ].map(({ name: index, where }) => ({
    name: index,
    sql: `CREATE UNIQUE INDEX IF NOT EXISTS "${index}" ON ${name} (order_id) WHERE status IN ${where}`,
  }));
  // Columns added after the table's first release: `sql` for a migration, `upgrade` at start-up (addColumnsSql).
  const columns = [{ name: "creation_claim", type: "text" }].map((column) => ({
    name: column.name,
    sql: `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${column.name} ${column.type}`,
    upgrade: addColumnsSql(name, [column]),
  }));
  return { table: name, createTable, indexes, columns };
}

/** The whole DDL for a migration: the table, the columns added since its first release (for an existing table), the indexes. */
export function attemptsTableSql(table = "siglume_checkout_attempts"): string {
  const { createTable, indexes, columns } = attemptsDdl(table);
  return [createTable, ...columns.map((column) => column.sql), ...indexes.map((index) => index.sql)].join(";\n");
}

/** How long after a failed start-up upgrade the next is tried. */
const UPGRADE_RETRY_MS = 10_000;

/** Why a table created by an earlier version could not get its new columns, and what to do. */
function upgradeFailed(table: string, cause: unknown): Error {
  const code = (cause as { code?: string } | undefined)?.code;
  const why =
    code === "42501"
      ? "this database role may not alter it (it is not the table's owner)"
      : `transactions on it held its lock for more than ${COLUMN_LOCK_TIMEOUT_MS / 1000} s`;
  return new UpgradeError(
    `postgresOrderStore: the attempts table ${table} was created by an earlier version and lacks a column this one needs ` +
      `(creation_claim), and adding it failed because ${why}. Run the store's attemptsTableSql as the table's owner ` +
      `(its ALTER TABLE … ADD COLUMN IF NOT EXISTS is quick); the store tries again every ${UPGRADE_RETRY_MS / 1000} s, ` +
      "and until it succeeds every start answers 500 and every payment webhook 500 (Siglume redelivers it).",
    { cause },
  );
}

class UpgradeError extends Error {}

/** A column this version needs is missing and the store was told not to create it (createTable: false). */
function explainMissingColumn(error: unknown): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "42703" || typeof message !== "string" || !message.includes("creation_claim")) return error;
  return new Error(
    "postgresOrderStore: the attempts table has no creation_claim column (this version needs it, and createTable: false " +
      "keeps the store from adding it). Add attemptsTableSql's ALTER TABLE … ADD COLUMN IF NOT EXISTS creation_claim text " +
      "to your migrations and run it.",
    { cause: error },
  );
}

/**
 * What of the DDL is missing, read from the catalog (which takes no lock on the table). Only that runs:
 * `CREATE … IF NOT EXISTS` on an existing table still locks it first (an index build takes SHARE), so it
 * would queue behind every running transaction on the table, and every start would queue behind it.
 */
async function missingDdl(pool: Pool, ddl: ReturnType<typeof attemptsDdl>): Promise<string[]> {
  const { rows } = await pool.query<{ present: boolean; indexes: string[]; columns: string[] }>(
    `SELECT to_regclass($1) IS NOT NULL AS present,
            coalesce((SELECT array_agg(c.relname::text) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                      WHERE i.indrelid = to_regclass($1) AND c.relname = ANY($2::text[])), '{}') AS indexes,
            coalesce((SELECT array_agg(attname::text) FROM pg_attribute
                      WHERE attrelid = to_regclass($1) AND attname = ANY($3::text[]) AND NOT attisdropped), '{}') AS columns`,
    [ddl.table, ddl.indexes.map((index) => index.name), ddl.columns.map((column) => column.name)],
  );
  const { present, indexes, columns } = rows[0]!;
  if (!present) return [ddl.createTable, ...ddl.indexes.map((index) => index.sql)];
  return [
    // ALTER TABLE waits for an ACCESS EXCLUSIVE lock, and every start and payment queues behind it: give up soon.
    ...ddl.columns.filter((column) => !columns.includes(column.name)).map((column) => column.upgrade),
    ...ddl.indexes.filter((index) => !indexes.includes(index.name)).map((index) => index.sql),
  ];
}

/** Errors that say the database is out of reach or the connection is gone, not that a statement failed. */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "57P01", "57P02", "57P03"]);
function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  return typeof message === "string" && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

const lostDuringTransaction = (cause: unknown) =>
  new CheckoutStoreUnavailableError(
    "The order database connection was lost during a checkout transaction (server restart, failover, " +
      "pg_terminate_backend or idle_in_transaction_session_timeout). Nothing was written; the next start tries again.",
    { cause },
  );
const unreachable = (cause: unknown) =>
  new CheckoutStoreUnavailableError(
    `The order database could not be reached or dropped the connection (${(cause as Error)?.message ?? String(cause)}). ` +
      "Nothing was written; the next start tries again.",
    { cause },
  );

/**
 * Runs `work`, turning a lost or refused connection into CheckoutStoreUnavailableError (the start route's 503) and
 * a missing creation_claim column into an error saying which migration to run.
 */
async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isConnectionFailure(error) && !(error instanceof CheckoutStoreUnavailableError) ? unreachable(error) : explainMissingColumn(error);
  }
}

interface AttemptRow {
  attempt_id: string;
  nonce: string;
  status: string;
  amount_minor: string | number;
  currency: string;
  leased: boolean;
  expired: boolean;
  session_id: string | null;
  checkout_url: string | null;
  challenge_hash: string | null;
  expires_at: Date | null;
}

/**
 * Checkout attempts in PostgreSQL next to your own orders table, shared by every instance: one active
 * attempt per order (a partial unique index; starts for one order queue on its row lock), sessions found
 * by their unique, indexed challenge_hash, and the order marked paid once. Pass the webhook's ctx to
 * fulfilSiglumePayment and the payment is written in the idempotency store's transaction.
 */
export function postgresOrderStore<TRequest = unknown>(options: PostgresOrderStoreOptions<TRequest>): PostgresOrderStore<TRequest> {
  if (!options.pool && !options.connectionString) throw new TypeError("postgresOrderStore needs { pool } or { connectionString }.");
  const o = options.orders ?? {};
  const orders = quote(o.table ?? "orders", true);
  const [oid, oamount, ocurrency, ostatus] = [o.id ?? "id", o.amountMinor ?? "amount_minor", o.currency ?? "currency", o.status ?? "status"].map((c) => quote(c));
  const attempts = quote(options.attemptsTable ?? "siglume_checkout_attempts", true);
  const ddl = attemptsDdl(options.attemptsTable);
  const ownsPool = !options.pool;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 10, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
  if (ownsPool) pool.on("error", () => {});

  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    if (options.createTable === false) return Promise.resolve();
    ready ??= (async () => {
      // Instances starting together create it one at a time; every statement is IF NOT EXISTS.
      const statements = await missingDdl(pool, ddl);
      try {
        await createSerialised(pool, lockNamespace(ddl.table), statements);
      } catch (error) {
        const code = (error as { code?: string }).code;
        const upgrading = statements.some((statement) => statement.startsWith("DO $upgrade$"));
        throw upgrading && (code === "42501" || code === "55P03") ? upgradeFailed(ddl.table, error) : error;
      }
    })().catch((error: unknown) => {
      // A failed upgrade is not tried again at once: each try queues every query on the table behind it.
      if (error instanceof UpgradeError) setTimeout(() => (ready = undefined), UPGRADE_RETRY_MS).unref();
      else ready = undefined;
      throw error;
    });
    return ready;
  };

  const orderColumns = `${oid}::text AS id, ${oamount} AS amount_minor, ${ocurrency} AS currency, ${ostatus} AS status`;
  /** The order's row by id (compared in the column's own type, so its index is used); null when there is none. */
  async function orderRow(db: Pool | PoolClient, orderId: string, lock: string, extra = ""): Promise<Record<string, unknown> | null> {
    try {
      const { rows } = await db.query(`SELECT ${extra}${orderColumns} FROM ${orders} WHERE ${oid} = $1${lock}`, [orderId]);
      return rows[0] ?? null;
    } catch (error) {
      // An id that is not even of the column's type (e.g. "abc" for an integer key) names no order.
      if ((error as { code?: string }).code === "22P02") return null;
      throw error;
    }
  }
  const toOrder = (row: Record<string, unknown>): CheckoutOrder => ({
    id: String(row.id),
    amount_minor: Number(row.amount_minor),
    currency: String(row.currency),
    status: String(row.status),
  });

  /**
   * BEGIN … COMMIT on a client of its own. While the client is checked out it has no pool listener, so
   * ours takes its 'error' (a terminated backend, a failover): without one the process would crash. A
   * lost client is discarded, never returned to the pool, and the caller gets CheckoutStoreUnavailableError.
   */
  async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await classified(() => pool.connect());
    let lost: unknown;
    const onError = (error: unknown) => void (lost ??= error);
    client.on("error", onError);
    let discard: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      if (lost === undefined && !isConnectionFailure(error)) {
        // A statement failed on a healthy connection: roll back and keep the client, unless that fails too.
        await client.query("ROLLBACK").catch((rollbackError: Error) => void (discard = rollbackError));
        throw error;
      }
      discard = (lost ?? error) as Error;
      throw lostDuringTransaction(lost ?? error);
    } finally {
      client.removeListener("error", onError);
      client.release(discard ?? (lost as Error | undefined));
    }
  }

  const store: PostgresOrderStore<TRequest> = {
    attemptsTableSql: attemptsTableSql(options.attemptsTable),

    async findOrder(orderId) {
      const row = await classified(() => orderRow(pool, orderId, ""));
      return row ? toOrder(row) : null;
    },

    async beginAttempt({ order: given, merchant, creationLeaseMs }): Promise<BeginAttemptResult> {
      await classified(ensureTable);
      return classified(() => inTransaction(async (db) => {
        // The order's row lock queues concurrent starts (and a payment being written) for this order, and
        // the attempt is for the amount and currency this row holds now.
        const locked = await orderRow(db, given.id, " FOR UPDATE");
        if (!locked) throw new Error("beginAttempt: the order no longer exists.");
        const order = toOrder(locked);
        if (PAID_ORDER_STATUSES.has(order.status)) return { state: "paid" };
        const lease = `now() + $2 * interval '1 millisecond'`;
        const { rows } = await db.query<AttemptRow>(
          `SELECT attempt_id, nonce, status, session_id, checkout_url, challenge_hash, expires_at, amount_minor, currency,
                  coalesce(creation_lease_until > now(), false) AS leased, coalesce(expires_at <= now(), false) AS expired
           FROM ${attempts} WHERE order_id = $1 AND status IN ('creating', 'pending')`,
          [order.id],
        );
        let active: AttemptRow | undefined = rows[0];
        if (active && (Number(active.amount_minor) !== order.amount_minor || active.currency !== order.currency)) {
          if (active.status === "creating" && active.leased) return { state: "creating", attemptId: active.attempt_id, orderId: order.id, nonce: active.nonce };
          // The order changed: this attempt's session (or the one its nonce may name) is for another amount.
          await db.query(
            `UPDATE ${attempts} SET status = 'failed', failure_code = 'ORDER_CHANGED', creation_lease_until = NULL, updated_at = now() WHERE attempt_id = $1`,
            [active.attempt_id],
          );
          active = undefined;
        }
        const ref = active && { attemptId: active.attempt_id, orderId: order.id, nonce: active.nonce };
        if (active?.status === "pending" && !active.expired) {
          const { session_id, checkout_url, challenge_hash, expires_at } = active;
          return { state: "pending", ...ref!, session: { session_id: session_id!, checkout_url: checkout_url!, challenge_hash: challenge_hash!, expires_at: expires_at?.toISOString() ?? null } };
        }
        const amount = { amount_minor: order.amount_minor, currency: order.currency };
        if (active?.status === "creating") {
          if (active.leased) return { state: "creating", ...ref! };
          const claim = newClaim(); // taken over: same nonce, same amount, a claim of its own
          await db.query(
            `UPDATE ${attempts} SET creation_lease_until = ${lease}, creation_claim = $3, updated_at = now() WHERE attempt_id = $1`,
            [active.attempt_id, creationLeaseMs, claim],
          );
          return { state: "create", ...ref!, claim, ...amount };
        }
        if (active) await db.query(`UPDATE ${attempts} SET status = 'expired', updated_at = now() WHERE attempt_id = $1`, [active.attempt_id]);
        const attemptId = newAttemptId();
        const claim = newClaim();
        await db.query(
          `INSERT INTO ${attempts} (attempt_id, order_id, attempt_number, nonce, status, merchant, amount_minor, currency, creation_lease_until, creation_claim)
           SELECT $3, $1, coalesce(max(attempt_number), 0) + 1, $4, 'creating', $5, $6, $7, ${lease}, $8 FROM ${attempts} WHERE order_id = $1`,
          [order.id, creationLeaseMs, attemptId, nonceFor(attemptId), merchant, order.amount_minor, order.currency, claim],
        );
        return { state: "create", attemptId, orderId: order.id, nonce: nonceFor(attemptId), claim, ...amount };
      }));
    },

    async markPending(attempt, session) {
      const { rowCount } = await classified(() => pool.query(
        `UPDATE ${attempts} SET status = 'pending', session_id = $2, checkout_url = $3, challenge_hash = $4, expires_at = $5,
           creation_lease_until = NULL, creation_claim = NULL, updated_at = now()
         WHERE attempt_id = $1 AND status = 'creating' AND creation_claim = $6`,
        [attempt.attemptId, session.session_id, session.checkout_url, session.challenge_hash, session.expires_at, attempt.claim ?? null],
      ));
      return rowCount === 1;
    },

    async markFailed(attempt, failure) {
      // Owned by its writer: a create that failed holds the claim of a "creating" attempt; a stored session found
      // over (no claim) ends a "pending" one. A late writer matches no row.
      const owned = `attempt_id = $1 AND CASE WHEN $3::text IS NULL THEN status = 'pending' ELSE status = 'creating' AND creation_claim = $3 END`;
      await classified(() => pool.query(
        failure.retryable // only a create fails retryably, and only its claim's holder may release the claim
          ? `UPDATE ${attempts} SET creation_lease_until = now(), failure_code = $2, updated_at = now()
             WHERE attempt_id = $1 AND status = 'creating' AND creation_claim = $3`
          : `UPDATE ${attempts} SET status = 'failed', failure_code = $2, creation_lease_until = NULL, creation_claim = NULL, updated_at = now() WHERE ${owned}`,
        [attempt.attemptId, failure.code.slice(0, 100), attempt.claim ?? null],
      ));
    },

    async findOrderByChallengeHash(challengeHash, ctx?: PaymentContext): Promise<PaymentTarget | null> {
      await ensureTable();
      const transaction = ctx?.transaction as PoolClient | undefined;
      const db = transaction ?? pool;
      const attemptSql = (lock: string) =>
        `SELECT attempt_id, order_id, status, merchant, amount_minor, currency, requirement_id FROM ${attempts} WHERE challenge_hash = $1${lock}`;
      let { rows } = await db.query(attemptSql(""), [challengeHash]);
      if (!rows[0]) return null;
      // In the webhook's transaction, lock the order's row and then the attempt's, as every start does:
      // the opposite order deadlocks against a start for the same order. (An attempt never changes order.)
      const order = await orderRow(db, rows[0].order_id, transaction ? " FOR UPDATE" : "");
      if (transaction) ({ rows } = await db.query(attemptSql(" FOR UPDATE"), [challengeHash]));
      const attempt = rows[0];
      if (!attempt || !order) return null;
      return {
        order: toOrder(order),
        attemptId: attempt.attempt_id,
        attemptStatus: attempt.status,
        merchant: attempt.merchant,
        amount_minor: Number(attempt.amount_minor),
        currency: attempt.currency,
        paidRequirementId: PAID_ORDER_STATUSES.has(attempt.status) ? attempt.requirement_id : null,
      };
    },

    async markPaid(target, payment, ctx?: PaymentContext): Promise<MarkPaidOutcome> {
      const write = async (db: PoolClient): Promise<MarkPaidOutcome> => {
        // The order's row first (the lock order everywhere), then the check-and-set under it.
        const order = await orderRow(db, target.order.id, " FOR UPDATE");
        const { rows } = await db.query(`SELECT status, requirement_id FROM ${attempts} WHERE attempt_id = $1 FOR UPDATE`, [target.attemptId]);
        const attempt = rows[0];
        if (!order || !attempt) throw new Error("markPaid: the attempt or its order no longer exists.");
        if (PAID_ORDER_STATUSES.has(attempt.status)) {
          return attempt.requirement_id === payment.requirement_id ? "already_paid" : "duplicate_payment";
        }
        if (PAID_ORDER_STATUSES.has(String(order.status))) return "order_already_paid";
        const locked = toOrder(order);
        if (locked.amount_minor !== target.order.amount_minor || locked.currency !== target.order.currency) return "amount_changed";
        await db.query(
          `UPDATE ${attempts} SET status = $2, requirement_id = $3, chain_receipt_id = $4, paid_event_id = $5, paid_at = now(),
             creation_lease_until = NULL, updated_at = now()
           WHERE attempt_id = $1`,
          [target.attemptId, payment.status, payment.requirement_id, payment.chain_receipt_id, payment.event_id],
        );
        await db.query(`UPDATE ${orders} SET ${ostatus} = $2 WHERE ${oid} = $1`, [target.order.id, payment.status]);
        return "paid";
      };
      const transaction = ctx?.transaction as PoolClient | undefined;
      return transaction ? write(transaction) : inTransaction(write);
    },

    async close() {
      if (ownsPool) await pool.end();
    },
  };
  if (options.owns) {
    const owns = options.owns;
    store.authorize = async (orderId, request) => {
      const row = await classified(() => orderRow(pool, orderId, "", "*, "));
      return row && (await owns(row, request)) ? toOrder(row) : null;
    };
  }
  return store;
}
