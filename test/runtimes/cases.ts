// The runtime smoke cases, written once and run against every runtime target (runtimes.test.ts): real
// HTTP from this Node process to the app (app.ts) running in Node, Bun, Deno or workerd.
import { expect, it } from "vitest";
import { DEFAULT_BODY_LIMIT } from "@siglume-middleware/core";
import {
  adyenEvents,
  adyenSignedRequest,
  clearTxRequest,
  clearTxTestSigner,
  pomeloEvents,
  pomeloSignedRequest,
  signedRequest,
  siglumeEvents,
  standardWebhookEvent,
  standardWebhookRequest,
} from "@siglume-middleware/testing";
import type { SmokeCalls } from "./app.js";
import {
  ADYEN_BASIC_AUTH,
  ADYEN_HMAC_KEY,
  CLEARTX_SECRET,
  POMELO_API_KEY,
  POMELO_API_SECRET,
  SIGLUME_SECRET,
  STANDARD_WEBHOOK_SECRET,
} from "./config.js";

/** A running smoke app: its origin, and what its handlers did so far. */
export interface SmokeTarget {
  url: string;
}

/** The challenge hash a Siglume event's payment is recorded under. */
const challengeOf = (event: { data: Record<string, unknown> }) => String(event.data.challenge_hash);

const post = (target: SmokeTarget, path: string, body: string | Uint8Array, headers: Record<string, string>) =>
  fetch(`${target.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });

export const callsOf = async (target: SmokeTarget): Promise<SmokeCalls> =>
  (await (await fetch(`${target.url}/_calls`)).json()) as SmokeCalls;

/**
 * Posts `total` bytes to `path`, holding back everything past `holdAfter` until the answer arrives: an answer
 * that comes while bytes are held back was given before the body was all read. Hold back right after the byte
 * that passes the limit: the server has to read every byte sent before it can refuse, so it leaves none unread.
 * A server that closes the connection as it answers (workerd does) would otherwise reset it over unread bytes
 * while the client is still writing, and the client's write fails (EPIPE) before it reads the answer.
 */
async function postHoldingBack(target: SmokeTarget, path: string, total: number, holdAfter: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  let release!: () => void;
  const answered = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= total) return controller.close();
      if (sent >= holdAfter) await answered; // only the answer lets the rest go
      const size = Math.min(chunk.length, (sent < holdAfter ? holdAfter : total) - sent);
      sent += size;
      controller.enqueue(chunk.subarray(0, size));
    },
  });
  const sentWhenAnswered = fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "siglume-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
    body,
    duplex: "half",
  } as RequestInit).then(
    (response) => ({ status: response.status, sent }),
    (error: unknown) => ({ status: 0, sent, error }),
  );
  const result = await sentWhenAnswered;
  release();
  return result;
}

/** Registers the smoke cases for a target that `target()` returns once started (inside a describe). */
export function smokeCases(target: () => SmokeTarget): void {
  it("pays a Standard payment once and answers 204", async () => {
    const event = siglumeEvents.standardSettled();
    const delivery = signedRequest(event, { secret: SIGLUME_SECRET });
    const res = await post(target(), "/webhooks/siglume", delivery.text, delivery.headers);
    expect(res.status).toBe(204);
    expect((await callsOf(target())).paid[challengeOf(event)]).toBe(1);
  });

  it("acknowledges a redelivery (a new signature) and does not pay again", async () => {
    const event = siglumeEvents.standardSettled();
    for (let i = 0; i < 3; i++) {
      const delivery = signedRequest(event, { secret: SIGLUME_SECRET, timestamp: Math.floor(Date.now() / 1000) - i });
      expect((await post(target(), "/webhooks/siglume", delivery.text, delivery.headers)).status).toBe(204);
    }
    expect((await callsOf(target())).paid[challengeOf(event)]).toBe(1);
  });

  it("refuses a delivery signed with another secret: 401 SIGNATURE_MISMATCH, nothing runs", async () => {
    const event = siglumeEvents.standardSettled();
    const delivery = signedRequest(event, { secret: "whsec_wrong" });
    const res = await post(target(), "/webhooks/siglume", delivery.text, delivery.headers);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_MISMATCH");
    expect((await callsOf(target())).paid[challengeOf(event)]).toBeUndefined();
  });

  it("sends Micro usage to review without the metered opt-in", async () => {
    const event = siglumeEvents.meteredUsageAccepted();
    const delivery = signedRequest(event, { secret: SIGLUME_SECRET });
    expect((await post(target(), "/webhooks/siglume", delivery.text, delivery.headers)).status).toBe(204);
    expect((await callsOf(target())).reviews).toContainEqual({ id: event.id, reason: "metered_integration_required" });
  });

  it("answers a 2 MiB body 413 before it is all read", async () => {
    const result = await postHoldingBack(target(), "/webhooks/siglume", 2 * 1024 * 1024, DEFAULT_BODY_LIMIT + 1);
    expect(result.status).toBe(413);
    expect(result.sent).toBe(DEFAULT_BODY_LIMIT + 1);
  });

  it("answers GET 405 with Allow: POST", async () => {
    const res = await fetch(`${target().url}/webhooks/siglume`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("decides an Adyen relayed authentication: 200 proceed", async () => {
    const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN_HMAC_KEY, basicAuth: ADYEN_BASIC_AUTH });
    const before = (await callsOf(target())).adyenDecisions;
    const res = await post(target(), "/webhooks/adyen/authentication", delivery.text, delivery.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ authenticationDecision: { status: "proceed" } });
    expect((await callsOf(target())).adyenDecisions).toBe(before + 1);
  });

  it("hands a Pomelo OTP to onOtp once", async () => {
    const delivery = pomeloSignedRequest(pomeloEvents.otp(), {
      apiKey: POMELO_API_KEY,
      apiSecret: POMELO_API_SECRET,
      endpoint: "/webhooks/pomelo/otp",
    });
    const before = (await callsOf(target())).otps;
    for (let i = 0; i < 2; i++) expect((await post(target(), "/webhooks/pomelo/otp", delivery.text, delivery.headers)).status).toBe(204);
    expect((await callsOf(target())).otps).toBe(before + 1);
  });

  it("handles a ClearTX notification its verify accepts: 200 received", async () => {
    const delivery = clearTxRequest("confirmed", undefined, { sign: clearTxTestSigner(CLEARTX_SECRET).sign });
    const before = (await callsOf(target())).clearTx;
    const res = await post(target(), delivery.path, delivery.text, delivery.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "received" });
    expect((await callsOf(target())).clearTx).toBe(before + 1);
  });

  // Standard Webhooks (issue 19).
  it("handles a Standard Webhooks event once, its redelivery (a new signature) acknowledged", async () => {
    const first = standardWebhookRequest(standardWebhookEvent(), { secret: STANDARD_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 5 });
    const again = standardWebhookRequest(first.text, { secret: STANDARD_WEBHOOK_SECRET, id: first.id, headers: "svix" });
    for (const delivery of [first, again]) expect((await post(target(), "/webhooks/standard", delivery.text, delivery.headers)).status).toBe(204);
    expect((await callsOf(target())).standard[first.id]).toBe(1);
  });
}
