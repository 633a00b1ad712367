// ClearTxWebhooksModule: configuration and start-up checks. Request handling is in the conformance suite.
import "reflect-metadata";
import { Injectable, Module, type DynamicModule } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import request from "supertest";
import { describe, expect, it } from "vitest";
import {
  ClearTxWebhooksModule,
  OnClearTxConfirmedData,
  OnClearTxNotification,
  OnClearTxReview,
  type ClearTxConfirmedData,
  type ClearTxDeclined,
  type ClearTxNotification,
  type ClearTxReview,
} from "@siglume-middleware/nestjs/cleartx";
import { OnDirectPaymentConfirmed, OnSiglumeReview } from "@siglume-middleware/nestjs";
import { clearTxRequest, clearTxTestSigner } from "@siglume-middleware/testing";

const signer = clearTxTestSigner("nest-cleartx-secret");
const CONFIG = "CONFIG";
const silent = { info() {}, warn() {}, error() {} };

async function boot(imports: DynamicModule[], providers: unknown[], options: { bodyParser?: boolean } = {}) {
  @Module({ imports, providers: providers as never[] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: false, abortOnError: false, ...options });
  await app.init();
  return app;
}

const send = (app: { getHttpServer(): unknown }, delivery: ReturnType<typeof clearTxRequest>, path = delivery.path) =>
  request(app.getHttpServer() as never).post(path).set(delivery.headers).send(delivery.text);

@Injectable()
class Transfers {
  calls: string[] = [];
  @OnClearTxNotification("CONFIRMED", "BROADCASTED")
  settled(notification: ClearTxNotification) {
    this.calls.push(`settled:${notification.status}`);
  }
  @OnClearTxNotification("DECLINED", "REJECTED")
  stopped(notification: ClearTxDeclined) {
    this.calls.push(`stopped:${notification.status}:${notification.reason.category}`);
  }
  @OnClearTxConfirmedData()
  data(notification: ClearTxConfirmedData) {
    this.calls.push(`data:${typeof notification.ivms101}`);
  }
  @OnClearTxReview()
  review(review: ClearTxReview) {
    this.calls.push(`review:${review.reason}`);
  }
}

describe("ClearTxWebhooksModule", () => {
  it("routes by status across methods, confirmed-data to its own, with options from forRootAsync and a basePath", async () => {
    @Module({ providers: [{ provide: CONFIG, useValue: { verify: signer.verify } }], exports: [CONFIG] })
    class ConfigModule {}
    const app = await boot(
      [
        ClearTxWebhooksModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { verify: typeof signer.verify }) => ({ verify: config.verify, logger: silent }),
          basePath: "/travel-rule",
        }),
      ],
      [Transfers],
    );
    try {
      for (const kind of ["confirmed", "declined", "rejected", "broadcasted", "confirmed-data"] as const) {
        const delivery = clearTxRequest(kind, undefined, { sign: signer.sign, basePath: "/travel-rule" });
        const res = await send(app, delivery);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: "received" });
      }
      await send(app, clearTxRequest("confirmed", undefined, { sign: signer.sign }), "/travel-rule/declined").expect(200);
      await send(app, clearTxRequest("confirmed", undefined, { sign: signer.sign })).expect(404);
      expect(app.get(Transfers).calls).toEqual([
        "settled:CONFIRMED",
        "stopped:DECLINED:COMPLIANCE_CHECK_FAILED",
        "stopped:REJECTED:SANCTIONS_MATCH",
        "settled:BROADCASTED",
        "data:object",
        "review:status_mismatch",
      ]);
    } finally {
      await app.close();
    }
  });

  it("reviews a body that is not JSON (answered 200) when the app leaves the body to the module (bodyParser: false)", async () => {
    const app = await boot([ClearTxWebhooksModule.forRoot({ verify: signer.verify, logger: silent })], [Transfers], { bodyParser: false });
    try {
      const delivery = clearTxRequest("confirmed", "{ not json", { sign: signer.sign });
      await send(app, delivery).expect(200, { status: "received" });
      expect(app.get(Transfers).calls).toEqual(["review:invalid_json"]);
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      "no @OnClearTxReview() method",
      () => {
        @Injectable()
        class OnlyNotifications {
          @OnClearTxNotification()
          notified() {}
        }
        return [OnlyNotifications];
      },
      /no @OnClearTxReview\(\) method found/,
    ],
    [
      "a status no method accepts",
      () => {
        @Injectable()
        class Partial {
          @OnClearTxNotification("CONFIRMED", "DECLINED", "REJECTED")
          notified() {}
          @OnClearTxReview()
          review() {}
        }
        return [Partial];
      },
      /no @OnClearTxNotification\(\) method accepts "BROADCASTED"/,
    ],
    [
      "no @OnClearTxNotification() method at all",
      () => {
        @Injectable()
        class ReviewOnly {
          @OnClearTxReview()
          review() {}
        }
        return [ReviewOnly];
      },
      /no @OnClearTxNotification\(\) method accepts "CONFIRMED"/,
    ],
    [
      "a status ClearTX does not send",
      () => {
        @Injectable()
        class Typo {
          @OnClearTxNotification("CONFIRMD" as never)
          notified() {}
          @OnClearTxReview()
          review() {}
        }
        return [Transfers, Typo];
      },
      /Typo\.notified listens for "CONFIRMD", which is not a ClearTX status/,
    ],
  ])("refuses to start with %s", async (_name, providers, message) => {
    await expect(boot([ClearTxWebhooksModule.forRoot({ verify: signer.verify, logger: silent })], providers())).rejects.toThrow(message);
  });

  it("refuses two handler decorators of one provider on one method (Nest would keep only the last), naming the method", () => {
    const stackedStatuses = () => {
      class Transfers {
        @OnClearTxNotification("CONFIRMED")
        @OnClearTxNotification("DECLINED")
        settled() {}
      }
      return Transfers;
    };
    const stackedRoles = () => {
      class Transfers {
        @OnClearTxNotification()
        @OnClearTxReview()
        everything() {}
      }
      return Transfers;
    };
    const stackedSiglume = () => {
      class Payments {
        @OnDirectPaymentConfirmed()
        @OnSiglumeReview()
        paid() {}
      }
      return Payments;
    };
    expect(stackedStatuses).toThrow(/Transfers\d*\.settled carries two webhook handler decorators of one provider/);
    expect(stackedRoles).toThrow(/Transfers\d*\.everything carries two/);
    expect(stackedSiglume).toThrow(/Payments\d*\.paid carries two/);
    // Decorators of different providers on one method stay allowed.
    class Both {
      @OnClearTxReview()
      @OnSiglumeReview()
      review() {}
    }
    expect(Both).toBeDefined();
  });

  it("refuses to start without verify unless insecureSkipVerification: true", async () => {
    await expect(boot([ClearTxWebhooksModule.forRoot({ logger: silent })], [Transfers])).rejects.toThrow(/verify is required/);
    const warnings: string[] = [];
    const app = await boot(
      [ClearTxWebhooksModule.forRoot({ insecureSkipVerification: true, logger: { ...silent, warn: (m: string) => void warnings.push(m) } })],
      [Transfers],
    );
    try {
      await send(app, clearTxRequest("confirmed")).expect(200);
      expect(warnings).toEqual([expect.stringMatching(/NOT verified/)]);
    } finally {
      await app.close();
    }
  });
});
