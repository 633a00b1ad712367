// The packaging test's NestJS app, built from the packed tarballs as a user would write it. It prints
// "listening <port>" once it is up and a line per handled event; PORT=0 picks a free port.
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import { Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  OnDirectPaymentConfirmed,
  OnSiglumeReview,
  SiglumeModule,
  type SiglumeReview,
  type StandardSettled,
} from "@siglume-middleware/nestjs";

@Injectable()
class Billing {
  @OnDirectPaymentConfirmed()
  paid(payment: StandardSettled) {
    console.log(`paid ${payment.challenge_hash}`);
  }

  @OnSiglumeReview()
  review(review: SiglumeReview) {
    console.log(`review ${review.reason}`);
  }
}

@Module({
  imports: [SiglumeModule.forRoot({ webhookSecret: process.env.SIGLUME_WEBHOOK_SECRET })],
  providers: [Billing],
})
class AppModule {}

async function main() {
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: ["error", "warn"] });
  await app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
  console.log(`listening ${(app.getHttpServer().address() as AddressInfo).port}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
