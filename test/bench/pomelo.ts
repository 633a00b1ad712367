// The Pomelo rows of `npm run bench`: signed token events through each adapter against the hand-written
// route in the same framework (api key, timestamp, endpoint, HMAC, JSON.parse, 204).
import { pomeloEvents, pomeloSignedRequest } from "@siglume-middleware/testing";
import { POMELO_BENCH_KEY, POMELO_TOKENS_PATH } from "./pomelo-server.js";
import { requestFile } from "./lib.js";
import { benchProviderThroughput, type ProviderRow } from "./providers.js";

/** Token events with unique ids, signed now, for wrk. Sized for 25k req/s. */
export const tokenRequestFile = (seconds: number) =>
  requestFile("pomelo", seconds * 25_000, () => {
    const delivery = pomeloSignedRequest(pomeloEvents.tokenUpdated(), {
      apiKey: POMELO_BENCH_KEY.key,
      apiSecret: POMELO_BENCH_KEY.secret,
      endpoint: POMELO_TOKENS_PATH,
    });
    const { "content-type": contentType, ...signed } = delivery.headers;
    return { path: POMELO_TOKENS_PATH, headers: { "Content-Type": contentType, ...signed }, text: delivery.text };
  });

export const benchPomeloThroughput = (framework: string, seconds: number, rounds: number): Promise<ProviderRow> =>
  benchProviderThroughput(framework, "pomelo-server.ts", tokenRequestFile, seconds, rounds);
