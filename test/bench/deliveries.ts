// What wrk sends: per sender, valid deliveries with unique ids, signed now, about 1 KB (Siglume) or the
// sender's usual size. Sized for 25k req/s unless the caller knows better (routes.ts sizes each run from the
// rates already seen); past the file's end ids repeat (Load.repeated says so).
import { Buffer } from "node:buffer";
import { createHmac, createSecretKey, randomUUID } from "node:crypto";
import {
  adyenEvents,
  adyenSignedRequest,
  clearTxEvents,
  clearTxRequest,
  clearTxTestSigner,
  pomeloEvents,
  pomeloSignedRequest,
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

/**
 * The builder's JSON once, split at its id: the i-th delivery's body is `head + uniqueId + tail`, so a run of
 * 75,000 deliveries costs one signature each, not one event build each.
 */
function template(body: string, id: string): [string, string] {
  const quoted = JSON.stringify(id);
  const at = body.indexOf(quoted);
  if (at < 0) throw new Error(`deliveries: id ${quoted} not in the template`);
  return [body.slice(0, at), body.slice(at + quoted.length)];
}

/** Per sender: a source of deliveries, the i-th with a unique id (one source per file: its timestamps are now). */
const sources: Record<SenderName, () => (i: number) => BenchDelivery> = {
  // Signed here with one key object: signedRequest makes a key per call, which would dominate the file's cost.
  siglume() {
    const [head, tail] = template(siglumeBody(), "evt_bench");
    const key = createSecretKey(Buffer.from(SIGLUME.secret));
    const t = Math.floor(Date.now() / 1000);
    const run = tag();
    return (i) => {
      const text = `${head}"evt_${run}_${i}"${tail}`;
      const v1 = createHmac("sha256", key).update(`${t}.`).update(text).digest("hex");
      return { path: SIGLUME.path, headers: { ...JSON_TYPE, "Siglume-Signature": `t=${t},v1=${v1}` }, text };
    };
  },
  adyen() {
    const event = adyenEvents.relayed();
    const [head, tail] = template(JSON.stringify(event), event.id);
    const authorization = `Basic ${Buffer.from(`${ADYEN.basicAuth.username}:${ADYEN.basicAuth.password}`).toString("base64")}`;
    const run = tag();
    return (i) => {
      const delivery = adyenSignedRequest(`${head}"auth_${run}_${i}"${tail}`, { hmacKey: ADYEN.hmacKey });
      return { path: ADYEN.path, headers: { ...JSON_TYPE, Authorization: authorization, HmacSignature: delivery.headers.hmacsignature }, text: delivery.text };
    };
  },
  pomelo() {
    const event = pomeloEvents.tokenUpdated();
    const [head, tail] = template(JSON.stringify(event), event.event_id);
    const timestamp = Math.floor(Date.now() / 1000);
    const run = tag();
    return (i) => {
      const delivery = pomeloSignedRequest(`${head}"evt-${run}${i}"${tail}`, { apiKey: POMELO.key, apiSecret: POMELO.secret, endpoint: POMELO.path, timestamp });
      const { "content-type": _type, ...signed } = delivery.headers;
      return { path: POMELO.path, headers: { ...JSON_TYPE, ...signed }, text: delivery.text };
    };
  },
  cleartx() {
    const signer = clearTxTestSigner(CLEARTX.secret);
    const event = clearTxEvents.confirmed();
    const [head, tail] = template(JSON.stringify(event), event.transactionRef as string);
    // transactionRef must be a UUID: a random one's first four groups, the count in the last.
    const run = randomUUID().slice(0, 24);
    return (i) => {
      const delivery = clearTxRequest("confirmed", `${head}"${run}${i.toString(16).padStart(12, "0")}"${tail}`, { sign: signer.sign });
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

/** Fresh deliveries of `sender` for a wrk run of `seconds` at up to `perSecond` requests a second. */
export const deliveriesFor = (sender: SenderName, seconds: number, perSecond = PER_SECOND): RequestFile =>
  requestFile(sender, Math.ceil(seconds * perSecond), sources[sender]());

/** `count` fresh deliveries of `sender`, in memory. */
export function deliveryList(sender: SenderName, count: number): BenchDelivery[] {
  const next = sources[sender]();
  return Array.from({ length: count }, (_, i) => next(i));
}
