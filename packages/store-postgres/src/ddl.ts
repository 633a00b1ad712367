import type { Pool } from "pg";

/** A 32-bit namespace for the advisory locks of one table, so they cannot meet the app's own. */
export function lockNamespace(table: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < table.length; i++) hash = Math.imul(hash ^ table.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** What concurrent CREATE … IF NOT EXISTS raises in the sessions that lose the race. */
const CREATED_MEANWHILE = new Set(["23505", "42P07", "42710"]);

/**
 * Runs start-up DDL (`CREATE … IF NOT EXISTS` statements) in one transaction under the advisory lock
 * `(namespace, 0)`, held until it commits, so instances starting together create a table one at a time.
 * Unserialised, the losers fail with 23505, 42P07 or 42710 ("type already exists") while the winner's
 * table is not yet visible to them. An error of that kind is still taken as "created meanwhile", for a
 * creator outside the lock (an older version of this package).
 */
export async function createSerialised(pool: Pool, namespace: number, statements: readonly string[]): Promise<void> {
  if (statements.length === 0) return;
  const client = await pool.connect();
  // A checked-out client has no pool listener: a backend lost while this waits for the lock must be an
  // error of this call (the query rejects), never an uncaught 'error' event that ends the process.
  const ignore = () => {};
  client.on("error", ignore);
  try {
    await client.query(["BEGIN", `SELECT pg_advisory_xact_lock(${namespace}, 0)`, ...statements, "COMMIT"].join(";\n"));
    client.removeListener("error", ignore);
    client.release();
  } catch (error) {
    const rolledBack = await client.query("ROLLBACK").then(
      () => true,
      () => false,
    );
    client.removeListener("error", ignore);
    client.release(rolledBack ? undefined : (error as Error));
    if (!CREATED_MEANWHILE.has((error as { code?: string }).code ?? "")) throw error;
  }
}

/** How long a start-up column upgrade waits for its table's lock before giving up. */
export const COLUMN_LOCK_TIMEOUT_MS = 2000;

/**
 * Start-up SQL adding columns a later version needs to a table an earlier one created, for createSerialised:
 * each column is checked again under the advisory lock (an instance that waited behind another's upgrade takes no
 * table lock), and the ALTER TABLE waits at most COLUMN_LOCK_TIMEOUT_MS for its ACCESS EXCLUSIVE lock, since every
 * query on the table queues behind it meanwhile. `table` is a quoted identifier; names and types are ours.
 */
export function addColumnsSql(table: string, columns: readonly { name: string; type: string }[]): string {
  const missing = columns.map(
    ({ name, type }) => `  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = '${name}' AND NOT attisdropped) THEN
    PERFORM set_config('lock_timeout', '${COLUMN_LOCK_TIMEOUT_MS}ms', true);
    ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${name} ${type};
  END IF;`,
  );
  return `DO $upgrade$ BEGIN\n${missing.join("\n")}\nEND $upgrade$`;
}
