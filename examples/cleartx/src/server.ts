import { createHash, timingSafeEqual } from "node:crypto";
import Koa, { type Context } from "koa";
import { clearTxWebhooks, type ClearTxReview, type ClearTxVerifyInput } from "@siglume-middleware/cleartx";
import { webhookMiddleware } from "@siglume-middleware/koa";
import { secretOrDemo } from "../../shared/demo-secret.js";

// ClearTX has not published how it signs notifications. Put the check ClearTX gives you in `verify`: it
// gets the exact bytes and every header before anything is parsed. Until then this demo accepts a shared
// token in a header (x-cleartx-token), so that it can show a refusal; it proves nothing about the body.
const token = secretOrDemo("cleartx", "CLEARTX_WEBHOOK_TOKEN", "demo-token", "The demo token is public; set up the check ClearTX gives you.");
const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
const expected = digest(token);
const verify = ({ header }: ClearTxVerifyInput<Context>) => {
  const given = header("x-cleartx-token");
  return given !== undefined && timingSafeEqual(digest(given), expected);
};

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
