// One app instance for the multi-instance store tests, run as its own process:
//   tsx support/instance.ts   with ADAPTER, STORE (postgres|redis), PG_URL, REDIS_URL, SECRET.
// Its handler marks the order paid (through ctx.transaction with the PostgreSQL
// store) and prints DISPATCH/PAID lines the tests read. CRASH_IN_HANDLER=1 makes
// it hang inside the handler after the order update, to be killed there.
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import pg from "pg";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { IdempotencyStore, SiglumeContext, SiglumeReview, StandardSettled } from "@siglume-middleware/core";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumePlugin } from "@siglume-middleware/fastify";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import { OnDirectPaymentConfirmed, OnSiglumeReview, SiglumeModule } from "@siglume-middleware/nestjs";
import { postgresIdempotencyStore, transactionOf } from "@siglume-middleware/store-postgres";
import { redisIdempotencyStore } from "@siglume-middleware/store-redis";

const { ADAPTER = "express", STORE = "postgres", PG_URL, REDIS_URL, SECRET = "whsec_instances" } = process.env;
const say = (line: string) => process.stdout.write(`${line}\n`);

const store: IdempotencyStore =
  STORE === "redis" ? redisIdempotencyStore({ url: REDIS_URL! }) : postgresIdempotencyStore({ connectionString: PG_URL! });
// With Redis the claim lives apart from the orders, which take an autocommit update.
const orders = STORE === "redis" ? new pg.Pool({ connectionString: PG_URL, connectionTimeoutMillis: 3000 }) : undefined;
orders?.on("error", () => {});

async function paid(payment: StandardSettled, ctx: SiglumeContext) {
  say(`DISPATCH ${payment.event.id}`);
  const db = orders ?? transactionOf(ctx);
  await db.query("UPDATE orders SET paid_count = paid_count + 1 WHERE challenge_hash = $1", [payment.challenge_hash]);
  if (process.env.CRASH_IN_HANDLER === "1") {
    say(`IN_HANDLER ${payment.event.id}`);
    await new Promise(() => {}); // killed here
  }
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
  say(`PAID ${payment.event.id}`);
}
const review = (r: SiglumeReview) => say(`REVIEW ${r.event.id} ${r.reason}`);
const options = {
  webhookSecret: SECRET,
  idempotencyStore: store,
  onDirectPaymentConfirmed: paid,
  onReview: review,
  onError: (error: unknown) => say(`ERROR ${(error as Error).message}`),
};

async function listen(): Promise<number> {
  switch (ADAPTER) {
    case "express": {
      const app = express();
      app.use(siglumeRouter(options));
      const server = app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
      return (server.address() as AddressInfo).port;
    }
    case "fastify": {
      const app = Fastify();
      await app.register(siglumePlugin, options);
      await app.listen({ port: 0, host: "127.0.0.1" });
      return (app.server.address() as AddressInfo).port;
    }
    case "koa": {
      const app = new Koa();
      app.use(siglumeMiddleware(options));
      const server = app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
      return (server.address() as AddressInfo).port;
    }
    case "nestjs": {
      @Injectable()
      class Billing {
        @OnDirectPaymentConfirmed()
        paid(payment: StandardSettled, ctx: SiglumeContext) {
          return paid(payment, ctx);
        }
        @OnSiglumeReview()
        review(r: SiglumeReview) {
          return review(r);
        }
      }
      const { onDirectPaymentConfirmed: _c, onReview: _r, ...moduleOptions } = options;
      @Module({ imports: [SiglumeModule.forRoot(moduleOptions)], providers: [Billing] })
      class AppModule {}
      const app = await NestFactory.create(AppModule, { rawBody: true, logger: false });
      await app.listen(0, "127.0.0.1");
      return (app.getHttpServer().address() as AddressInfo).port;
    }
    default:
      throw new Error(`unknown ADAPTER ${ADAPTER}`);
  }
}

say(`LISTENING ${await listen()}`);
