// What wrk sends: per sender, valid deliveries with unique ids, signed now, about 1 KB (Siglume) or the
// sender's usual size. Sized for 25k req/s; past that ids repeat (Load.repeated says so).
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import {
  adyenEvents,
  adyenSignedRequest,
  clearTxRequest,
  clearTxTestSigner,
  pomeloEvents,
  pomeloSignedRequest,
  signedRequest,
  siglumeEvents,
} from "@siglume-middleware/testing";
import { requestFile, type BenchDelivery, type RequestFile } from "./lib.js";
import { ADYEN, CLEARTX, POMELO, SIGLUME, STANDARD, type SenderName } from "./senders.js";

const PER_SECOND = 25_000;
const JSON_TYPE = { "Content-Type": "application/json" };

/** A standard_settled event padded to about `bytes`, with a placeholder id to replace. */
export function siglumeBody(bytes = 1024): string {
  const event = siglumeEvents.standardSettled({ id: "evt_bench" });
  const base = Buffer.byteLength(JSON.stringify(event));
  if (bytes > base + 20) event.data.note = "x".repeat(bytes - base - 12);
  return JSON.stringify(event);
}

const tag = () => Math.random().toString(36).slice(2);

/** Per sender: a source of deliveries, the i-th with a unique id (one source per file: its timestamps are now). */
const sources: Record<SenderName, () => (i: number) => BenchDelivery> = {
  siglume() {
    const [head, tail] = siglumeBody().split('"evt_bench"');
    const run = tag();
    return (i) => {
      const delivery = signedRequest(`${head}"evt_${run}_${i}"${tail}`, { secret: SIGLUME.secret });
      return { path: SIGLUME.path, headers: { ...JSON_TYPE, "Siglume-Signature": delivery.headers["siglume-signature"] }, text: delivery.text };
    };
  },
  adyen() {
    const authorization = `Basic ${Buffer.from(`${ADYEN.basicAuth.username}:${ADYEN.basicAuth.password}`).toString("base64")}`;
    return () => {
      const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN.hmacKey });
      return { path: ADYEN.path, headers: { ...JSON_TYPE, Authorization: authorization, HmacSignature: delivery.headers.hmacsignature }, text: delivery.text };
    };
  },
  pomelo() {
    return () => {
      const delivery = pomeloSignedRequest(pomeloEvents.tokenUpdated(), { apiKey: POMELO.key, apiSecret: POMELO.secret, endpoint: POMELO.path });
      const { "content-type": _type, ...signed } = delivery.headers;
      return { path: POMELO.path, headers: { ...JSON_TYPE, ...signed }, text: delivery.text };
    };
  },
  cleartx() {
    const signer = clearTxTestSigner(CLEARTX.secret);
    return () => {
      const delivery = clearTxRequest("confirmed", undefined, { sign: signer.sign });
      const { "content-type": _type, ...signed } = delivery.headers;
      return { path: delivery.path, headers: { ...JSON_TYPE, ...signed }, text: delivery.text };
    };
  },
  // Signed here (the spec's scheme: base64 HMAC-SHA256 of "id.timestamp.body", key = base64 after whsec_).
  standard() {
    const key = Buffer.from(STANDARD.secret.slice("whsec_".length), "base64");
    const timestamp = String(Math.floor(Date.now() / 1000));
    const run = tag();
    return (i) => {
      const id = `msg_${run}_${i}`;
      const text = JSON.stringify({ type: "invoice.paid", timestamp: new Date().toISOString(), data: { id: `in_${run}_${i}`, amount: 4200, currency: "usd" } });
      const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${text}`).digest("base64");
      return { path: STANDARD.path, headers: { ...JSON_TYPE, "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` }, text };
    };
  },
};

/** Fresh deliveries of `sender` for a wrk run of `seconds`. */
export const deliveriesFor = (sender: SenderName, seconds: number): RequestFile =>
  requestFile(sender, Math.ceil(seconds * PER_SECOND), sources[sender]());

/** `count` fresh deliveries of `sender`, in memory. */
export function deliveryList(sender: SenderName, count: number): BenchDelivery[] {
  const next = sources[sender]();
  return Array.from({ length: count }, (_, i) => next(i));
}
