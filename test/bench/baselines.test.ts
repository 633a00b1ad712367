// The bench compares like with like: for every sender it measures, our provider and the hand-written baseline
// (senders.ts) accept the bench's own deliveries (deliveries.ts), refuse a tampered body, and answer a repeat as
// they answered the first copy. No timing here: the numbers belong to `npm run bench`.
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { createWebhookHandler } from "@siglume-middleware/core";
import { pomeloSignedRequest } from "@siglume-middleware/testing";
import { describe, expect, it } from "vitest";
import { coreRequestOf, prepared, type Prepared } from "./core.js";
import { ADYEN, fetchGuarded, GUARANTEES, POMELO, SIGLUME, senders, SENDERS, STANDARD_MODULES, type SenderName } from "./senders.js";

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

/** `delivery`'s id with another body (one more field), signed as its sender signs. */
function reused(sender: "siglume" | "adyen" | "pomelo", delivery: Prepared): Prepared {
  const text = JSON.stringify({ ...JSON.parse(delivery.body.toString("utf8")), reused: true });
  if (sender === "adyen") {
    const signature = createHmac("sha256", Buffer.from(ADYEN.hmacKey, "hex")).update(text).digest("base64");
    return { ...delivery, body: Buffer.from(text), headers: { ...delivery.headers, hmacsignature: signature } };
  }
  if (sender === "siglume") {
    const t = /t=(\d+)/.exec(delivery.headers["siglume-signature"]!)![1]!;
    const v1 = createHmac("sha256", SIGLUME.secret).update(`${t}.${text}`).digest("hex");
    return { ...delivery, body: Buffer.from(text), headers: { ...delivery.headers, "siglume-signature": `t=${t},v1=${v1}` } };
  }
  const signed = pomeloSignedRequest(text, { apiKey: POMELO.key, apiSecret: POMELO.secret, endpoint: POMELO.path, timestamp: Number(delivery.headers["x-timestamp"]) });
  return { ...delivery, body: Buffer.from(signed.text), headers: { ...delivery.headers, "x-signature": signed.headers["x-signature"]! } };
}

describe("bench guarded routes (guarantees.ts): each step does the baseline's job plus its guarantees", () => {
  const levels = GUARANTEES.map((_, i) => i + 1);
  it.each((["siglume", "adyen", "pomelo"] as const).flatMap((sender) => levels.map((level) => [sender, level] as const)))(
    "%s with the first %i guarantees: accepts the deliveries, refuses a tampered body, answers a repeat alike",
    async (sender, level) => {
      const route = (await senders[sender].guarded!(level)) as (body: Uint8Array, header: (name: string) => string | undefined) => unknown;
      const answer = async (delivery: Prepared) => (await route(delivery.body, (name) => delivery.headers[name])) as { status: number; body?: string };
      const status = async (delivery: Prepared) => (await answer(delivery)).status;
      // Adyen answers its decision (200 JSON), the others 204.
      const accepted = sender === "adyen" ? { status: 200, body: JSON.stringify({ authenticationDecision: { status: "proceed" } }) } : { status: 204 };
      for (const delivery of prepared(sender, 2)) {
        expect(await answer(delivery)).toEqual(accepted);
        expect(await status(tampered(delivery))).toBe(401);
        expect(await answer(delivery)).toEqual(accepted);
        // From the digest (the second guarantee) on, the same id with another body is refused, not a duplicate.
        expect(await status(reused(sender, delivery))).toBe(level >= 2 ? 422 : accepted.status);
      }
    },
  );
});

describe("bench guarded fetch route (Hono, the fetch handler, Bun): the guarded route's answers, through a web Request", () => {
  it.each(["siglume", "adyen", "pomelo"] as const)("%s: accepts, refuses a tampered body, answers a repeat alike, refuses a reused id", async (sender) => {
    const route = fetchGuarded(senders[sender].path, (await senders[sender].guarded!(GUARANTEES.length))!);
    const send = async (delivery: Prepared) => {
      const response = await route(new Request(`http://bench.test${delivery.path}`, { method: "POST", headers: delivery.headers, body: delivery.body }));
      return { status: response.status, body: response.status === 204 ? undefined : await response.text() };
    };
    const accepted = sender === "adyen" ? { status: 200, body: JSON.stringify({ authenticationDecision: { status: "proceed" } }) } : { status: 204, body: undefined };
    for (const delivery of prepared(sender, 2)) {
      expect(await send(delivery)).toEqual(accepted);
      expect((await send(tampered(delivery))).status).toBe(401);
      expect(await send(delivery)).toEqual(accepted);
      expect((await send(reused(sender, delivery))).status).toBe(422);
    }
    expect((await route(new Request(`http://bench.test/elsewhere`, { method: "POST", body: "{}" }))).status).toBe(404);
  });
});
