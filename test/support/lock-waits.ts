import type pg from "pg";
import { sleep } from "./timing.js";

/**
 * Resolves with what `work` resolves to, and fails as soon as PostgreSQL shows a backend whose
 * application_name is LIKE `applicationName` waiting for a lock meanwhile. "Does not queue behind a
 * running transaction", decided by what the server reports rather than by how long `work` took: run it
 * while that transaction is still open, and a queued statement is seen waiting for as long as it is.
 */
export async function withoutLockWaits<T>(db: pg.Pool, applicationName: string, work: Promise<T>): Promise<T> {
  let done = false;
  const finished = work.finally(() => (done = true));
  const watching = (async () => {
    while (!done) {
      const { rows } = await db.query<{ application_name: string; query: string }>(
        "SELECT application_name, query FROM pg_stat_activity WHERE application_name LIKE $1 AND wait_event_type = 'Lock'",
        [applicationName],
      );
      if (rows.length > 0) throw new Error(`waited for a lock: ${rows.map((r) => `${r.application_name}: ${r.query}`).join("; ")}`);
      await sleep(10);
    }
  })();
  const [value] = await Promise.all([finished, watching]);
  return value;
}
