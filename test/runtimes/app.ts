// One fetch app mounting every provider through @siglume-middleware/web, run unchanged on Node, Bun, Deno and
// workerd by the runtime smoke tests. It imports nothing from node:* itself (stores are loaded only when asked
// for), and records what its handlers did, for GET /_calls.
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { clearTxWebhooks } from "@siglume-middleware/cleartx";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { standardWebhooks } from "@siglume-middleware/standard-webhooks";
import {
  equalBytes,
  fromHex,
  hmac,
  platformName,
  secretKey,
  siglumeFetchHandler,
  utf8Encode,
  webhookFetchHandler,
  type FetchHandler,
  type IdempotencyStore,
} from "@siglume-middleware/web";
import {
  ADYEN_BASIC_AUTH,
  ADYEN_HMAC_KEY,
  CLEARTX_SECRET,
  CLEARTX_SIGNATURE_HEADER,
  POMELO_API_KEY,
  POMELO_API_SECRET,
  SIGLUME_SECRET,
  STANDARD_WEBHOOK_SECRET,
} from "./config.js";

/** What the handlers did; GET /_calls answers it. */
export interface SmokeCalls {
  runtime: string;
  platform: string;
  paid: Record<string, number>;
  reviews: { id: string; reason: string }[];
  adyenDecisions: number;
  otps: number;
  clearTx: number;
  /** Standard Webhooks events handled, by webhook-id. */
  standard: Record<string, number>;
}

const quiet = { info() {}, warn() {}, error() {} };

/** A fresh record of what the handlers did. */
export const smokeCalls = (runtime: string): SmokeCalls => ({ runtime, platform: platformName, paid: {}, reviews: [], adyenDecisions: 0, otps: 0, clearTx: 0, standard: {} });

/**
 * The smoke app. `store` is the idempotency store every provider shares (default: each its own in-memory one).
 * Built at module scope by the entries, as users do: nothing here may start a timer, draw a random value or do
 * I/O before the first request (workerd forbids it). An entry that builds it per request (a Worker's store of
 * that request) passes one `calls` record to every build.
 */
export function createSmokeApp(runtime: string, store?: IdempotencyStore, calls: SmokeCalls = smokeCalls(runtime)): FetchHandler {
  const engine = { logger: quiet, ...(store ? { idempotencyStore: store } : {}) };
  const clearTxKey = secretKey(utf8Encode(CLEARTX_SECRET));

  const siglume = siglumeFetchHandler({
    ...engine,
    webhookSecret: SIGLUME_SECRET,
    async onDirectPaymentConfirmed(payment) {
      calls.paid[payment.challenge_hash] = (calls.paid[payment.challenge_hash] ?? 0) + 1;
    },
    onReview(review) {
      calls.reviews.push({ id: review.event.id, reason: review.reason });
    },
  });
  const adyen = webhookFetchHandler(
    adyenAuthenticationWebhooks({
      ...engine,
      hmacKey: ADYEN_HMAC_KEY,
      basicAuth: ADYEN_BASIC_AUTH,
      async onRelayedAuthentication() {
        calls.adyenDecisions += 1;
        return "proceed" as const;
      },
      onAuthenticationResult() {},
    }),
  );
  const pomelo = webhookFetchHandler(
    pomeloWebhooks({
      ...engine,
      apiKeys: [{ key: POMELO_API_KEY, secret: POMELO_API_SECRET }],
      onOtp(otp) {
        if (typeof otp.code === "string") calls.otps += 1;
      },
      onTokenEvent() {},
      onReview() {},
    }),
  );
  const clearTx = webhookFetchHandler(
    clearTxWebhooks({
      ...engine,
      // The stand-in signature of @siglume-middleware/testing's clearTxTestSigner, checked with WebCrypto.
      async verify({ rawBody, header }) {
        const given = header(CLEARTX_SIGNATURE_HEADER);
        return given !== undefined && equalBytes(await hmac(clearTxKey, [rawBody]), fromHex(given));
      },
      onNotification() {
        calls.clearTx += 1;
      },
      onReview() {},
    }),
  );

  // Standard Webhooks (issue 19): v1 HMAC through the runtime's crypto.
  const standard = webhookFetchHandler(
    standardWebhooks({
      ...engine,
      secret: STANDARD_WEBHOOK_SECRET,
      onEvent(_event, ctx) {
        calls.standard[ctx.eventId] = (calls.standard[ctx.eventId] ?? 0) + 1;
      },
    }),
  );

  return async (request, ...runtimeArgs) => {
    const path = new URL(request.url).pathname;
    if (path === "/_calls") return Response.json(calls);
    if (path.startsWith("/webhooks/adyen/")) return adyen(request, ...runtimeArgs);
    if (path.startsWith("/webhooks/pomelo/")) return pomelo(request, ...runtimeArgs);
    if (path.startsWith("/v1/notify/")) return clearTx(request, ...runtimeArgs);
    if (path === "/webhooks/standard") return standard(request, ...runtimeArgs);
    return siglume(request, ...runtimeArgs);
  };
}
