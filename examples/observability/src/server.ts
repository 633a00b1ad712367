// Siglume webhooks on Express with the PostgreSQL store, observed with OpenTelemetry (tracing.ts).
// DATABASE_URL: the PostgreSQL the event records (and your handler's writes) go to.
// SIGTERM: stops taking requests, then exports what telemetry still buffers before exiting.
import { shutdownTelemetry } from "./tracing.js";
import { trace } from "@opentelemetry/api";
import express from "express";
import pg from "pg";
import { siglumeRouter } from "@siglume-middleware/express";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const port = Number(process.env.PORT ?? 3000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
const tracer = trace.getTracer("example-observability");

const app = express();
app.use(
  siglumeRouter({
    webhookSecret: webhookSecretOrDemo("observability"),
    idempotencyStore: postgresIdempotencyStore({ pool }),
    async onDirectPaymentConfirmed(payment, ctx) {
      // Both are children of the delivery's span: a span of your own, and a query in the event's transaction.
      await tracer.startActiveSpan("fulfil order", async (span) => {
        await transactionOf(ctx).query("SELECT 1");
        span.end();
      });
      console.log(`[observability] paid: ${payment.event.id}`);
    },
    async onReview(review) {
      console.log(`[observability] review: ${review.event.id} (${review.reason})`);
    },
  }),
);

const server = app.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  console.log(`[observability] listening on http://127.0.0.1:${actual}/webhooks/siglume`);
});

process.once("SIGTERM", () => {
  server.close(async () => {
    await pool.end();
    await shutdownTelemetry();
    process.exit(0);
  });
  server.closeIdleConnections();
});
