import "reflect-metadata";
import { Controller, Get, Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  ClearTxWebhooksModule,
  OnClearTxConfirmedData,
  OnClearTxNotification,
  OnClearTxReview,
  type ClearTxConfirmedData,
  type ClearTxDeclined,
  type ClearTxNotification,
  type ClearTxRejected,
  type ClearTxReview,
} from "@siglume-middleware/nestjs/cleartx";
import { demoTokenVerify } from "../../shared/cleartx-demo-token.js";

// ClearTX has not published how it signs notifications: `verify` gets the exact bytes and every header
// before anything is parsed. This demo checks a shared token in a header (see cleartx-demo-token.ts);
// put the check ClearTX gives you in its place.
const verify = demoTokenVerify("nestjs-cleartx");

// Your transfer records and review queue (a database in a real app). Travel-rule data is personal data:
// these lines print statuses and references only, never a payload.
const transfers = new Map<string, string[]>();
const reviews: Omit<ClearTxReview, "payload" | "rawBody">[] = [];
const record = (ref: string, what: string) => {
  transfers.set(ref, [...(transfers.get(ref) ?? []), what]);
  console.log(`[nestjs-cleartx] ${what} ${ref}`);
};

@Injectable()
class Transfers {
  // Every status must reach a method, or the module refuses to start.
  @OnClearTxNotification("CONFIRMED", "BROADCASTED")
  async completed(notification: ClearTxNotification) {
    // CONFIRMED to the originator: release the transfer; BROADCASTED: on chain.
    record(notification.transactionRef, notification.status.toLowerCase());
  }

  @OnClearTxNotification("DECLINED", "REJECTED")
  async stopped(notification: ClearTxDeclined | ClearTxRejected) {
    // DECLINED to the originator: stop it; REJECTED to the beneficiary.
    record(notification.transactionRef, `${notification.status.toLowerCase()} (${notification.reason.category})`);
  }

  @OnClearTxConfirmedData()
  async confirmedData(data: ClearTxConfirmedData) {
    // IVMS.101 data for the beneficiary's records: store it with the transfer, encrypted; never log it.
    record(data.transactionRef, "confirmed-data");
  }

  @OnClearTxReview()
  async review({ payload: _payload, rawBody: _rawBody, ...review }: ClearTxReview) {
    reviews.push(review);
    console.log(`[nestjs-cleartx] review ${review.route}: ${review.reason}${review.field ? ` (${review.field})` : ""}`);
  }
}

@Controller()
class RecordsController {
  @Get("transfers")
  transfers() {
    return Object.fromEntries(transfers);
  }

  @Get("reviews")
  reviews() {
    return reviews;
  }
}

@Module({
  // POST /v1/notify/{confirmed,declined,rejected,broadcasted,confirmed-data}.
  imports: [ClearTxWebhooksModule.forRoot({ verify })],
  controllers: [RecordsController],
  providers: [Transfers],
})
class AppModule {}

// bodyParser: false: the module reads each body itself (bounded, with a timeout), so a verified body that is
// not JSON is reviewed and answered 200, as on the other frameworks, instead of Nest's 400 (which ClearTX retries).
const app = await NestFactory.create(AppModule, { bodyParser: false, logger: ["error", "warn"] });
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, "127.0.0.1");
console.log(`[nestjs-cleartx] listening on http://127.0.0.1:${port}/v1/notify/{confirmed,declined,rejected,broadcasted,confirmed-data}`);
