// The bench compares like with like: for every sender it measures, our provider and the hand-written baseline
// (senders.ts) accept the bench's own deliveries (deliveries.ts), refuse a tampered body, and answer a repeat as
// they answered the first copy. No timing here: the numbers belong to `npm run bench`.
import { Buffer } from "node:buffer";
import { createWebhookHandler } from "@siglume-middleware/core";
import { describe, expect, it } from "vitest";
import { coreRequestOf, prepared, type Prepared } from "./core.js";
import { senders, SENDERS, STANDARD_MODULES, type SenderName } from "./senders.js";

// Standard Webhooks' provider comes from another branch: its row is measured once it is installed in test/.
const standardInstalled = await import(STANDARD_MODULES.provider).then(
  () => true,
  () => false,
);
const measured = SENDERS.filter((sender) => sender !== "standard" || standardInstalled);

const tampered = (delivery: Prepared): Prepared => ({ ...delivery, body: Buffer.concat([delivery.body, Buffer.from(" ")]) });

describe("bench senders: our route and the baseline do the same job", () => {
  it.each(measured)("%s: both accept the bench's deliveries, refuse a tampered body, answer a repeat alike", async (sender: SenderName) => {
    const handler = createWebhookHandler(await senders[sender].ours("ours"));
    const baseline = await senders[sender].handWritten();
    // Status and, where there is one, the JSON answer (Adyen's decision, ClearTX's receipt).
    const answer = (status: number, body: unknown) => ({ status, body: typeof body === "string" && body !== "" ? JSON.parse(body) : undefined });
    const ours = async (delivery: Prepared) => {
      const response = await handler.handle(coreRequestOf(handler, delivery));
      return response.status >= 300 ? { status: response.status } : answer(response.status, response.body);
    };
    const theirs = (delivery: Prepared) => {
      const response = baseline(delivery.body, (name) => delivery.headers[name]);
      return response.status >= 300 ? { status: response.status } : answer(response.status, response.body);
    };

    for (const delivery of prepared(sender, 3)) {
      const first = await ours(delivery);
      expect(first.status).toBeGreaterThanOrEqual(200);
      expect(first.status).toBeLessThan(300);
      expect(theirs(delivery)).toEqual(first);
      expect(await ours(tampered(delivery))).toEqual({ status: 401 });
      expect(theirs(tampered(delivery))).toEqual({ status: 401 });
      expect(await ours(delivery)).toEqual(first);
      expect(theirs(delivery)).toEqual(first);
    }
  });
});
