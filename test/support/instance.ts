// One app instance for the multi-instance store tests on one of Node's frameworks, run as its own process:
//   tsx support/instance.ts   with ADAPTER (express|fastify|koa|nestjs) and what support/instance-handlers.ts reads.
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { SiglumeContext, SiglumeReview, StandardSettled } from "@siglume-middleware/core";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumePlugin } from "@siglume-middleware/fastify";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import { OnDirectPaymentConfirmed, OnSiglumeReview, SiglumeModule } from "@siglume-middleware/nestjs";
import { options, paid, review, say } from "./instance-handlers.js";

const { ADAPTER = "express" } = process.env;

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
