// The order-store contract's ownership rules, on every store we ship (in memory, and PostgreSQL on a real
// server): a state change is owned by the start that made the claim. A start that paused past its creation
// lease and was taken over is a late writer: its markPending stores nothing and its markFailed ends nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryOrderStore, type BeginAttemptResult, type SiglumeOrderStore } from "@siglume-middleware/checkout";
import { postgresOrderStore } from "@siglume-middleware/store-postgres";
import { startPostgres, testPool, type PostgresServer } from "../support/servers.js";
import { settledOr, sleep } from "../support/timing.js";

interface StoreUnderTest {
  store: SiglumeOrderStore;
  /** Adds an unpaid JPY order and returns its id. */
  order(amount_minor?: number): Promise<string>;
  close(): Promise<void>;
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.destroy();
});

let counter = 0;
const nextId = () => `ord_contract_${++counter}_${Math.random().toString(36).slice(2, 6)}`;

const stores: { name: string; open(): Promise<StoreUnderTest> }[] = [
  {
    name: "memoryOrderStore",
    async open() {
      const store = memoryOrderStore();
      return {
        store,
        async order(amount_minor = 1200) {
          const id = nextId();
          store.put({ id, amount_minor, currency: "JPY", status: "unpaid" });
          return id;
        },
        async close() {},
      };
    },
  },
  {
    name: "postgresOrderStore",
    async open() {
      const db = testPool(postgres.url);
      await db.query(`CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, amount_minor integer NOT NULL, currency text NOT NULL,
                      status text NOT NULL DEFAULT 'unpaid')`);
      const store = postgresOrderStore({ connectionString: postgres.url });
      return {
        store,
        async order(amount_minor = 1200) {
          const id = nextId();
          await db.query("INSERT INTO orders (id, amount_minor, currency) VALUES ($1, $2, 'JPY')", [id, amount_minor]);
          return id;
        },
        async close() {
          await store.close();
          await db.end();
        },
      };
    },
  },
];

// The late start's lease is short and lapses; the current holder's is long, so it holds however slow the machine.
const SHORT_LEASE_MS = 100;
const LEASE_MS = 60_000;
const session = (tag: string) => ({
  session_id: `cs_${tag}`,
  checkout_url: `https://pay.example/${tag}`,
  challenge_hash: `sha256:${tag}_${Math.random().toString(36).slice(2)}`,
  expires_at: null,
});

describe.each(stores)("$name: every attempt change is owned by the start that holds its claim", ({ open }) => {
  let under: StoreUnderTest;
  beforeAll(async () => {
    under = await open();
  }, 60_000);
  afterAll(async () => {
    await under?.close();
  });

  async function begin(orderId: string, creationLeaseMs = LEASE_MS): Promise<BeginAttemptResult> {
    return under.store.beginAttempt({ order: { id: orderId, amount_minor: 1200, currency: "JPY", status: "unpaid" }, merchant: "m", creationLeaseMs });
  }
  /** A start claims the attempt, pauses past its lease, and another start takes it over. */
  async function takenOver(orderId: string) {
    const late = await begin(orderId, SHORT_LEASE_MS);
    await sleep(SHORT_LEASE_MS + 100);
    const current = await begin(orderId);
    if (late.state !== "create" || current.state !== "create") throw new Error(`expected two creates, got ${late.state}, ${current.state}`);
    return { late, current };
  }

  it("each claim has its own token; a start told 'creating' is not given it", async () => {
    const orderId = await under.order();
    const { late, current } = await takenOver(orderId);
    expect(late.claim).toEqual(expect.any(String));
    expect(current.claim).toEqual(expect.any(String));
    expect(current.claim).not.toBe(late.claim);
    expect(current.nonce).toBe(late.nonce); // same attempt, same nonce
    const waiting = await begin(orderId);
    expect(waiting.state).toBe("creating");
    expect(waiting).not.toHaveProperty("claim");
  });

  it("the late start's markPending stores nothing; the current holder's does", async () => {
    const orderId = await under.order();
    const { late, current } = await takenOver(orderId);
    expect(await under.store.markPending(late, session("late"))).toBe(false);
    expect(await begin(orderId)).toMatchObject({ state: "creating" }); // the current holder's lease is intact
    const stored = session("current");
    expect(await under.store.markPending(current, stored)).toBe(true);
    expect(await begin(orderId)).toMatchObject({ state: "pending", session: { session_id: "cs_current" } });
  });

  it("the late start's markFailed, final or retryable, neither ends the attempt nor releases the current lease", async () => {
    const orderId = await under.order();
    const { late, current } = await takenOver(orderId);
    await under.store.markFailed(late, { code: "SIGLUME_REJECTED", retryable: false });
    await under.store.markFailed(late, { code: "SIGLUME_UNAVAILABLE", retryable: true });
    expect(await begin(orderId)).toMatchObject({ state: "creating", nonce: current.nonce });
    expect(await under.store.markPending(current, session("kept"))).toBe(true);
  });

  it("a create failure arriving after the session was stored does not end the pending attempt", async () => {
    const orderId = await under.order();
    const { late, current } = await takenOver(orderId);
    await under.store.markPending(current, session("live"));
    await under.store.markFailed(late, { code: "SIGLUME_REJECTED", retryable: false });
    expect(await begin(orderId)).toMatchObject({ state: "pending", session: { session_id: "cs_live" } });
  });

  it("a stored session found over (no claim) ends the pending attempt; the next start begins a new one", async () => {
    const orderId = await under.order();
    const first = await begin(orderId);
    if (first.state !== "create") throw new Error(first.state);
    await under.store.markPending(first, session("over"));
    const pending = await begin(orderId);
    expect(pending.state).toBe("pending");
    await under.store.markFailed(pending as Extract<BeginAttemptResult, { state: "pending" }>, { code: "SESSION_EXPIRED", retryable: false });
    const next = await begin(orderId);
    expect(next.state).toBe("create");
    expect(next.state === "create" && next.nonce).not.toBe(first.nonce);
  });

  it("a retryable failure without a claim (no create of its own) changes nothing on a pending attempt", async () => {
    const orderId = await under.order();
    const first = await begin(orderId);
    if (first.state !== "create") throw new Error(first.state);
    await under.store.markPending(first, session("kept_pending"));
    const pending = await begin(orderId);
    await under.store.markFailed(pending as Extract<BeginAttemptResult, { state: "pending" }>, { code: "SIGLUME_UNAVAILABLE", retryable: true });
    expect(await begin(orderId)).toMatchObject({ state: "pending", session: { session_id: "cs_kept_pending" } });
  });

  it("a retryable failure by the holder releases the lease at once: the next start takes over with the same nonce", async () => {
    const orderId = await under.order();
    const first = await begin(orderId);
    if (first.state !== "create") throw new Error(first.state);
    await under.store.markFailed(first, { code: "SIGLUME_UNAVAILABLE", retryable: true });
    const again = await begin(orderId);
    expect(again).toMatchObject({ state: "create", nonce: first.nonce });
    expect(again.state === "create" && again.claim).not.toBe(first.claim);
    expect(await under.store.markPending(first, session("stale"))).toBe(false);
  });
});

describe("postgresOrderStore on an attempts table created before creation_claim existed", () => {
  const ordersDdl = `CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, amount_minor integer NOT NULL, currency text NOT NULL,
                     status text NOT NULL DEFAULT 'unpaid')`;
  /** Creates `table` as the first release did (no creation_claim) and an order; answers the order. */
  async function legacy(db: ReturnType<typeof testPool>, table: string) {
    const current = postgresOrderStore({ pool: db, attemptsTable: table }).attemptsTableSql;
    const old = current.replace(/\n\s*creation_claim\s+text,/, "").replace(/;\nALTER TABLE[^;]*/, "");
    expect(old).not.toMatch(/creation_claim/);
    await db.query(ordersDdl);
    for (const statement of old.split(";\n")) await db.query(statement);
    const id = nextId();
    await db.query("INSERT INTO orders (id, amount_minor, currency) VALUES ($1, 1200, 'JPY')", [id]);
    return { id, amount_minor: 1200, currency: "JPY", status: "unpaid" };
  }
  /** Runs `test` with a pool of its own on the server, ended afterwards whatever happens. */
  async function withPool(test: (db: ReturnType<typeof testPool>) => Promise<void>) {
    const db = testPool(postgres.url);
    try {
      await test(db);
    } finally {
      await db.end();
    }
  }
  const claimColumn = async (db: ReturnType<typeof testPool>, table: string) =>
    (await db.query("SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'creation_claim'", [table])).rows[0].n;

  it("adds the column at start-up and then enforces the claim", () =>
    withPool(async (db) => {
      const table = "legacy_attempts";
      const order = await legacy(db, table);
      const store = postgresOrderStore({ pool: db, attemptsTable: table });
      const late = await store.beginAttempt({ order, merchant: "m", creationLeaseMs: SHORT_LEASE_MS });
      await sleep(SHORT_LEASE_MS + 100);
      const taker = await store.beginAttempt({ order, merchant: "m", creationLeaseMs: LEASE_MS });
      if (late.state !== "create" || taker.state !== "create") throw new Error("expected two creates");
      expect(await store.markPending(late, session("legacy_late"))).toBe(false);
      expect(await store.markPending(taker, session("legacy_current"))).toBe(true);
      const { rows } = await db.query(`SELECT session_id, creation_claim FROM ${table} WHERE order_id = $1`, [order.id]);
      expect(rows).toEqual([{ session_id: "cs_legacy_current", creation_claim: null }]);
    }));

  it("attemptsTableSql, run as a migration (createTable: false), upgrades it too", () =>
    withPool(async (db) => {
      const table = "legacy_migrated";
      await legacy(db, table);
      expect(await claimColumn(db, table)).toBe(0);
      await db.query(postgresOrderStore({ pool: db, attemptsTable: table, createTable: false }).attemptsTableSql);
      expect(await claimColumn(db, table)).toBe(1);
    }));

  it("a transaction holding the table past 2 s: the upgrade gives up saying so, is not retried for 10 s, then succeeds", async () => {
    const db = testPool(postgres.url);
    const table = "legacy_busy";
    const order = await legacy(db, table);
    const holder = await db.connect();
    try {
      await holder.query(`BEGIN; SELECT count(*) FROM ${table}`); // a long transaction on the table (ACCESS SHARE)
      const store = postgresOrderStore({ pool: db, attemptsTable: table });
      const begin = () => store.beginAttempt({ order, merchant: "m", creationLeaseMs: LEASE_MS });
      const first = begin();
      // The holder commits once the upgrade has given up; without the lock timeout the upgrade would wait instead,
      // and succeed after the COMMIT that then comes at 15 s.
      const released = settledOr(first, 15_000).then(() => holder.query("COMMIT"));
      await expect(first).rejects.toThrow(/adding it failed because transactions on it held its lock for more than 2 s.*every 10 s/s);
      const failedAt = Date.now();
      await released;
      // The table is free now, but a start within 10 s gets the same answer without queueing on the table again.
      await expect(begin()).rejects.toThrow(/held its lock/);
      expect(await claimColumn(db, table)).toBe(0);
      await sleep(10_000 - (Date.now() - failedAt) + 2000);
      expect(await begin()).toMatchObject({ state: "create" });
      expect(await claimColumn(db, table)).toBe(1);
    } finally {
      holder.release();
      await db.end();
    }
  }, 30_000);

  it("with createTable: false and no migration run, the error names the missing column and the statement to add", () =>
    withPool(async (db) => {
      const table = "legacy_unmigrated";
      const order = await legacy(db, table);
      const store = postgresOrderStore({ pool: db, attemptsTable: table, createTable: false });
      await expect(store.beginAttempt({ order, merchant: "m", creationLeaseMs: LEASE_MS })).rejects.toThrow(
        /no creation_claim column .*createTable: false.*ADD COLUMN IF NOT EXISTS creation_claim text/,
      );
      expect(await claimColumn(db, table)).toBe(0);
    }));

  it("a role that may not alter the table gets an error saying to run attemptsTableSql as the owner; nothing changes", async () => {
    const admin = testPool(postgres.url);
    const table = "legacy_not_owned";
    const order = await legacy(admin, table);
    await admin.query("DO $$ BEGIN CREATE ROLE shop_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    await admin.query(`GRANT ALL ON orders, ${table} TO shop_app`);
    const app = testPool(postgres.url.replace("postgres@", "shop_app@"));
    try {
      const store = postgresOrderStore({ pool: app, attemptsTable: table });
      const begun = store.beginAttempt({ order, merchant: "m", creationLeaseMs: LEASE_MS });
      await expect(begun).rejects.toThrow(/lacks a column this one needs \(creation_claim\).*not the table's owner.*attemptsTableSql/);
      expect(await claimColumn(admin, table)).toBe(0);
      expect((await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(0);
    } finally {
      await app.end();
      await admin.end();
    }
  });
});
