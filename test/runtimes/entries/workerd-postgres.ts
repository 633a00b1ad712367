// The smoke app as a Worker with nodejs_compat, its records in PostgreSQL through pg (which reaches the database
// with cloudflare:sockets). The store, and so the app, is built per request: workerd binds a socket to the request
// that opened it, and a pooled connection reused by a later request hangs it. The handlers' record (`calls`)
// lives at module scope; the database gives exactly-once across requests and isolates.
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { createSmokeApp, smokeCalls } from "../app.js";

interface Env {
  DATABASE_URL: string;
}
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

const calls = smokeCalls("workerd");

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    // createTable: false: the table is made once, beforehand (createTableSql), not checked by every request.
    const store = postgresIdempotencyStore({ connectionString: env.DATABASE_URL, createTable: false });
    try {
      return await createSmokeApp("workerd", store, calls)(request, env, ctx);
    } finally {
      // Ends this request's connections once work the engine keeps alive with waitUntil is done with them.
      ctx.waitUntil(store.close());
    }
  },
};
