// NestJS-only behaviour: module configuration and start-up checks. Request handling is in the conformance suite.
import "reflect-metadata";
import { Injectable, Module, type DynamicModule } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import request from "supertest";
import { describe, expect, it } from "vitest";
import {
  OnDirectPaymentConfirmed,
  OnSiglumeReview,
  SiglumeModule,
  type MeteredUsageAccepted,
  type StandardSettled,
} from "@siglume-middleware/nestjs";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import { OnPomeloOtp, OnPomeloReview, OnPomeloTokenEvent, PomeloWebhooksModule, type PomeloOtp } from "@siglume-middleware/nestjs/pomelo";
import { AdyenWebhooksModule, OnAdyenAuthenticationResult, OnAdyenRelayedAuthentication } from "@siglume-middleware/nestjs/adyen";
import {
  OnStandardWebhook,
  OnStandardWebhookReview,
  StandardWebhooksModule,
  type StandardWebhookReview,
} from "@siglume-middleware/nestjs/standard-webhooks";
import { pomeloEvents, pomeloSignedRequest, standardWebhookEvent, standardWebhookRequest } from "@siglume-middleware/testing";
import { SECRET, events, signed } from "./support/events.js";
import { recordingLogger } from "./support/logger.js";
import type { WebhookLogger } from "@siglume-middleware/core";

const silentLogger = { info() {}, warn() {}, error() {} };

const CONFIG = "CONFIG";

async function boot(imports: DynamicModule[], providers: unknown[]) {
  @Module({ imports, providers: providers as never[] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: false, abortOnError: false });
  await app.init();
  return app;
}

@Injectable()
class Billing {
  paid: string[] = [];
  reviewed: string[] = [];
  @OnDirectPaymentConfirmed()
  confirmed(payment: StandardSettled) {
    this.paid.push(payment.event.id);
  }
  @OnSiglumeReview()
  review(review: { event: { id: string }; reason: string }) {
    this.reviewed.push(`${review.event.id}:${review.reason}`);
  }
}

describe("SiglumeModule", () => {
  it("forRootAsync takes options from a factory with injected config, and the route from `path`", async () => {
    @Module({ providers: [{ provide: CONFIG, useValue: { secret: SECRET } }], exports: [CONFIG] })
    class ConfigModule {}
    const app = await boot(
      [
        SiglumeModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { secret: string }) => ({ webhookSecret: config.secret }),
          path: "/hooks/siglume",
        }),
      ],
      [Billing],
    );
    try {
      const event = events.standardSettled();
      const delivery = signed(event);
      const server = app.getHttpServer();
      await request(server).post("/hooks/siglume").set(delivery.headers).send(delivery.text).expect(204);
      await request(server).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(404);
      expect(app.get(Billing).paid).toEqual([event.id]);
    } finally {
      await app.close();
    }
  });

  it("routes by kind: each metered kind to the method that names it, when opted in", async () => {
    @Injectable()
    class Split {
      calls: string[] = [];
      @OnDirectPaymentConfirmed("standard_settled", "metered_batch_settled")
      settled(payment: StandardSettled) {
        this.calls.push(`settled:${payment.kind}`);
      }
      @OnDirectPaymentConfirmed("metered_usage_accepted")
      usage(payment: MeteredUsageAccepted) {
        this.calls.push(`usage:${payment.kind}`);
      }
      @OnSiglumeReview()
      review() {}
    }
    const app = await boot([SiglumeModule.forRoot({ webhookSecret: SECRET, allowMeteredPayments: true })], [Split]);
    try {
      const server = app.getHttpServer();
      for (const event of [events.standardSettled(), events.meteredUsageAccepted(), events.meteredBatchSettled()]) {
        const delivery = signed(event);
        await request(server).post("/webhooks/siglume").set(delivery.headers).send(delivery.text).expect(204);
      }
      expect(app.get(Split).calls).toEqual(["settled:standard_settled", "usage:metered_usage_accepted", "settled:metered_batch_settled"]);
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      "no @OnSiglumeReview() method",
      () => {
        @Injectable()
        class OnlyPaid {
          @OnDirectPaymentConfirmed()
          paid() {}
        }
        return { options: {}, providers: [OnlyPaid] };
      },
      /no @OnSiglumeReview\(\) method found/,
    ],
    [
      "a metered kind without allowMeteredPayments",
      () => {
        @Injectable()
        class Eager {
          @OnDirectPaymentConfirmed("metered_usage_accepted")
          usage() {}
          @OnSiglumeReview()
          review() {}
        }
        return { options: {}, providers: [Billing, Eager] };
      },
      /Eager\.usage listens for "metered_usage_accepted", but allowMeteredPayments is false/,
    ],
    [
      "allowMeteredPayments with no method for a metered kind",
      () => {
        @Injectable()
        class StandardOnly {
          @OnDirectPaymentConfirmed("standard_settled")
          paid() {}
          @OnSiglumeReview()
          review() {}
        }
        return { options: { allowMeteredPayments: true }, providers: [StandardOnly] };
      },
      /no @OnDirectPaymentConfirmed\(\) method accepts "metered_usage_accepted"/,
    ],
  ])("refuses to start with %s", async (_name, setup, message) => {
    const { options, providers } = setup();
    await expect(boot([SiglumeModule.forRoot({ webhookSecret: SECRET, ...options })], providers)).rejects.toThrow(message);
  });
});

describe("PomeloWebhooksModule under a global prefix", () => {
  it("verifies X-Endpoint as the full path the sender posted to (setGlobalPrefix), on Express and Fastify platforms", async () => {
    const secret = Buffer.from("nest-prefix-pomelo-secret-0123").toString("base64");
    @Injectable()
    class Codes {
      delivered: string[] = [];
      @OnPomeloOtp()
      otp(otp: PomeloOtp) {
        this.delivered.push(otp.eventId!);
      }
      @OnPomeloTokenEvent()
      token() {}
      @OnPomeloReview()
      review() {}
    }
    for (const platform of ["express", "fastify"] as const) {
      @Module({ imports: [PomeloWebhooksModule.forRoot({ apiKeys: [{ key: "pk_nest", secret }], logger: silentLogger })], providers: [Codes] })
      class AppModule {}
      const app =
        platform === "express"
          ? await NestFactory.create(AppModule, { rawBody: true, logger: false })
          : await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { rawBody: true, logger: false });
      app.setGlobalPrefix("api");
      await app.init();
      if (platform === "fastify") await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
      try {
        const codes = app.get(Codes);
        const full = "/api/webhooks/pomelo/otp";
        const otp = pomeloEvents.otp();
        const delivery = pomeloSignedRequest(otp, { apiKey: "pk_nest", apiSecret: secret, endpoint: full });
        expect((await request(app.getHttpServer()).post(full).set(delivery.headers).send(delivery.text)).status, platform).toBe(204);
        expect(codes.delivered).toEqual([otp.event_id]);
        const elsewhere = pomeloSignedRequest(pomeloEvents.otp(), { apiKey: "pk_nest", apiSecret: secret, endpoint: "/other/otp" });
        expect((await request(app.getHttpServer()).post(full).set(elsewhere.headers).send(elsewhere.text)).status).toBe(401);
        expect(codes.delivered).toHaveLength(1);
      } finally {
        await app.close();
      }
    }
  });
});

describe("Adyen and Pomelo modules refuse to start without a handler every webhook needs", () => {
  const adyen = AdyenWebhooksModule.forRoot({ hmacKey: "44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056", basicAuth: { username: "u", password: "p" }, logger: silentLogger });
  const pomelo = PomeloWebhooksModule.forRoot({ apiKeys: [{ key: "pk_start", secret: Buffer.from("start-secret").toString("base64") }], logger: silentLogger });

  it.each([
    [
      "Adyen: no @OnAdyenAuthenticationResult() method",
      () => {
        @Injectable()
        class OnlyDecides {
          @OnAdyenRelayedAuthentication()
          decide() {
            return "proceed" as const;
          }
        }
        return { module: adyen, providers: [OnlyDecides] };
      },
      /AdyenWebhooksModule: no @OnAdyenAuthenticationResult\(\) method found/,
    ],
    [
      "Adyen: two methods deciding relayed authentications",
      () => {
        @Injectable()
        class Twice {
          @OnAdyenRelayedAuthentication()
          first() {
            return "proceed" as const;
          }
          @OnAdyenRelayedAuthentication()
          second() {
            return "refused" as const;
          }
          @OnAdyenAuthenticationResult()
          result() {}
        }
        return { module: adyen, providers: [Twice] };
      },
      /Twice\.first and Twice\.second both decide relayed authentications/,
    ],
    [
      "Pomelo: no @OnPomeloOtp() method",
      () => {
        @Injectable()
        class NoOtp {
          @OnPomeloTokenEvent()
          token() {}
          @OnPomeloReview()
          review() {}
        }
        return { module: pomelo, providers: [NoOtp] };
      },
      /PomeloWebhooksModule: no @OnPomeloOtp\(\) method found. One is required/,
    ],
  ])("%s", async (_name, setup, message) => {
    const { module, providers } = setup();
    await expect(boot([module], providers)).rejects.toThrow(message);
  });
});

describe("StandardWebhooksModule", () => {
  const OPENAI = "whsec_bmVzdC1vcGVuYWktc2VjcmV0LTAxMjM0NTY3";
  const CLERK = "whsec_bmVzdC1jbGVyay1zZWNyZXQtMDEyMzQ1Njc4OQ==";

  it("mounts one instance per sender by name, routing events by type to the methods that name it", async () => {
    @Injectable()
    class Hooks {
      calls: string[] = [];
      @OnStandardWebhook("openai", "response.completed", "response.failed")
      response(event: { type: string }) {
        this.calls.push(`openai response:${event.type}`);
      }
      @OnStandardWebhook("openai")
      other(event: { type: string }) {
        this.calls.push(`openai other:${event.type}`);
      }
      @OnStandardWebhook("clerk", "user.created")
      user(event: { type: string }, ctx: { eventId: string; name?: string }) {
        this.calls.push(`${ctx.name} user:${event.type}`);
      }
      @OnStandardWebhookReview("clerk")
      review(review: StandardWebhookReview) {
        this.calls.push(`clerk review:${review.reason}`);
      }
    }
    @Module({ providers: [{ provide: CONFIG, useValue: { clerk: CLERK } }], exports: [CONFIG] })
    class ConfigModule {}
    const app = await boot(
      [
        StandardWebhooksModule.forRoot({ name: "openai", path: "/webhooks/openai", secret: OPENAI, logger: silentLogger }),
        StandardWebhooksModule.forRootAsync({
          name: "clerk",
          path: "/webhooks/clerk",
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { clerk: string }) => ({ secret: config.clerk, logger: silentLogger }),
        }),
      ],
      [Hooks],
    );
    try {
      const server = app.getHttpServer();
      const post = (path: string, type: string, secret: string, headers: "webhook" | "svix" = "webhook") => {
        const delivery = standardWebhookRequest(standardWebhookEvent({ type }), { secret, headers });
        return request(server).post(path).set(delivery.headers).send(delivery.text);
      };
      expect((await post("/webhooks/openai", "response.completed", OPENAI)).status).toBe(204);
      expect((await post("/webhooks/openai", "batch.completed", OPENAI)).status).toBe(204);
      expect((await post("/webhooks/clerk", "user.created", CLERK, "svix")).status).toBe(204);
      expect((await post("/webhooks/clerk", "session.ended", CLERK, "svix")).status).toBe(204);
      expect((await post("/webhooks/clerk", "user.created", OPENAI)).status).toBe(401);
      expect(app.get(Hooks).calls).toEqual([
        "openai response:response.completed",
        "openai other:batch.completed",
        "clerk user:user.created",
        "clerk review:unhandled_type",
      ]);
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      "no @OnStandardWebhook() method for the instance",
      () => {
        @Injectable()
        class Elsewhere {
          @OnStandardWebhook("other")
          event() {}
        }
        return Elsewhere;
      },
      /StandardWebhooksModule: no @OnStandardWebhook\("openai"\) method found for name "openai"/,
    ],
    [
      "only typed methods and no review method (other types would reach nothing)",
      () => {
        @Injectable()
        class TypedOnly {
          @OnStandardWebhook("openai", "response.completed")
          event() {}
        }
        return TypedOnly;
      },
      /names types, and there is no method without types and no @OnStandardWebhookReview\("openai"\)/,
    ],
  ])("refuses to start with %s", async (_name, setup, message) => {
    const module = StandardWebhooksModule.forRoot({ name: "openai", secret: OPENAI, logger: silentLogger });
    await expect(boot([module], [setup()])).rejects.toThrow(message);
  });
});

describe("the modules log through Nest's Logger unless given another logger", () => {
  @Injectable()
  class Otp {
    @OnPomeloOtp()
    otp() {}
    @OnPomeloTokenEvent()
    token() {}
    @OnPomeloReview()
    review() {}
  }
  const apiKeys = [{ key: "pk_nest_logger", secret: Buffer.from("nest-logger-secret-0123").toString("base64") }];

  /** A Nest LoggerService keeping every call: level, message, the other arguments (the Logger adds its context last). */
  function recordingNestLogger() {
    const calls: { level: string; message: unknown; params: unknown[] }[] = [];
    const record = (level: string) => (message: unknown, ...params: unknown[]) => void calls.push({ level, message, params });
    return { calls, service: { log: record("log"), warn: record("warn"), error: record("error"), debug: record("debug"), verbose: record("verbose") } };
  }

  async function bootPomelo(options: { logger?: WebhookLogger }) {
    const nest = recordingNestLogger();
    @Module({ imports: [PomeloWebhooksModule.forRoot({ apiKeys, ...options })], providers: [Otp] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { rawBody: true, logger: nest.service });
    await app.init();
    await app.close();
    return nest.calls.filter((call) => call.message === "Pomelo api keys configured");
  }

  it("without a logger option: the module's lines reach the app's Nest logger, with their fields and the module as context", async () => {
    const lines = await bootPomelo({});
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe("log");
    const [fields, context] = lines[0]!.params as [Record<string, unknown>, string];
    expect(fields).toMatchObject({ provider: "pomelo", apiKeys: [expect.any(String)] });
    expect(JSON.stringify(fields)).not.toContain(apiKeys[0]!.secret);
    expect(context).toBe("PomeloWebhooksModule");
  });

  it("with a logger option: the lines go there, not to Nest's logger", async () => {
    const own = recordingLogger();
    expect(await bootPomelo({ logger: own.logger })).toEqual([]);
    expect(own.entries.map((entry) => entry.message)).toContain("Pomelo api keys configured");
  });
});
