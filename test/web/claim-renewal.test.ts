// A pending handler's claim is renewed from its first period, whatever the platform's deadlines are (Node's
// shared watchdog in the unit project, a timer per entry in web-crypto, whose timers may fire a millisecond early).
import { expect, it } from "vitest";
import { createSiglumeWebhookHandler, memoryIdempotencyStore } from "@siglume-middleware/core";
import { coreRequest } from "../support/core-request.js";
import { SECRET, events, signed } from "../support/events.js";
import { StoreWatch } from "../support/store-watch.js";

it("renews a pending handler's claim every third of its lease, long before the handler's timeout", async () => {
  const watch = new StoreWatch();
  let release!: () => void;
  const handler = createSiglumeWebhookHandler({
    webhookSecret: SECRET,
    onReview: () => {},
    onError: () => {},
    idempotencyStore: watch.wrap(memoryIdempotencyStore({ lockTtlMs: 300 })),
    handlerTimeoutMs: 600_000, // never reached: only the renewals can make this test go on
    onDirectPaymentConfirmed: () => new Promise<void>((resolve) => (release = resolve)),
  });
  let answered = false;
  const answer = handler.handle(coreRequest(signed(events.standardSettled()))).then((response) => {
    answered = true;
    return response;
  });
  for (let i = 0; i < 3; i++) await watch.nextRenewal();
  expect(answered).toBe(false);
  release();
  expect((await answer).status).toBe(204);
});
