import Koa, { type Context } from "koa";
import { clearTxWebhooks, type ClearTxReview } from "@siglume-middleware/cleartx";
import { webhookMiddleware } from "@siglume-middleware/koa";
import { demoTokenVerify } from "../../shared/cleartx-demo-token.js";

// ClearTX has not published how it signs notifications: `verify` gets the exact bytes and every header
// before anything is parsed. This demo checks a shared token in a header (see cleartx-demo-token.ts);
// put the check ClearTX gives you in its place.
const verify = demoTokenVerify("cleartx");

// Your transfer records and review queue (a database in a real app). Travel-rule data is personal data:
// these lines print statuses and references only, never a payload.
const transfers = new Map<string, string[]>();
const reviews: Omit<ClearTxReview, "payload" | "rawBody">[] = [];
const record = (ref: string, what: string) => {
  transfers.set(ref, [...(transfers.get(ref) ?? []), what]);
  console.log(`[cleartx] ${what} ${ref}`);
};

const app = new Koa();
app.use(
  webhookMiddleware(
    clearTxWebhooks<Context>({
      verify,
      async onNotification(notification) {
        switch (notification.status) {
          case "CONFIRMED": // to the originator: release the transfer
          case "BROADCASTED": // on chain
            return record(notification.transactionRef, notification.status.toLowerCase());
          case "DECLINED": // to the originator: stop it
          case "REJECTED": // to the beneficiary
            return record(notification.transactionRef, `${notification.status.toLowerCase()} (${notification.reason.category})`);
        }
      },
      async onConfirmedData(data) {
        // IVMS.101 data for the beneficiary's records: store it with the transfer, encrypted; never log it.
        record(data.transactionRef, "confirmed-data");
      },
      async onReview({ payload: _payload, rawBody: _rawBody, ...review }) {
        reviews.push(review);
        console.log(`[cleartx] review ${review.route}: ${review.reason}${review.field ? ` (${review.field})` : ""}`);
      },
    }),
  ),
);
app.use((ctx) => {
  if (ctx.method !== "GET") return;
  if (ctx.path === "/transfers") ctx.body = Object.fromEntries(transfers);
  if (ctx.path === "/reviews") ctx.body = reviews;
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () =>
  console.log(`[cleartx] listening on http://127.0.0.1:${port}/v1/notify/{confirmed,declined,rejected,broadcasted,confirmed-data}`),
);
