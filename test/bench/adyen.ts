// The Adyen rows of `npm run bench`: relayed decisions through each adapter against the hand-written
// route in the same framework, and the deadline under 200 concurrent requests whose handler takes 5 s.
import { request as httpRequest, Agent } from "node:http";
import { adyenEvents, adyenSignedRequest } from "@siglume-middleware/testing";
import { ADYEN_BENCH_AUTH, ADYEN_BENCH_KEY, ADYEN_PATH, DECISION_TIMEOUT_MS } from "./adyen-server.js";
import { requestFile, startServer } from "./lib.js";
import { benchProviderThroughput, type ProviderRow } from "./providers.js";

const AUTHORIZATION = `Basic ${Buffer.from(`${ADYEN_BENCH_AUTH.username}:${ADYEN_BENCH_AUTH.password}`).toString("base64")}`;

/** Relayed authentications with unique ids, signed, for wrk. Sized for 25k req/s. */
const relayedRequestFile = (seconds: number) =>
  requestFile("adyen", seconds * 25_000, () => {
    const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN_BENCH_KEY });
    return {
      path: ADYEN_PATH,
      headers: { "Content-Type": "application/json", Authorization: AUTHORIZATION, HmacSignature: delivery.headers.hmacsignature },
      text: delivery.text,
    };
  });

export type AdyenRow = ProviderRow;

/** Relayed decisions, best of `rounds` interleaved runs per variant. */
export const benchAdyenThroughput = (framework: string, seconds: number, rounds: number): Promise<AdyenRow> =>
  benchProviderThroughput(framework, "adyen-server.ts", relayedRequestFile, seconds, rounds);

export interface DeadlineRow {
  framework: string;
  requests: number;
  allRefused: boolean;
  /** Milliseconds from the request's arrival (fully written, on loopback) to the answer: the slowest (p100) and the median. */
  maxMs: number;
  p50Ms: number;
  withinDeadline: boolean;
}

/** 200 relayed requests at once, each on its own connection, to a handler that takes 5 s. */
export async function benchAdyenDeadline(framework: string, count = 200): Promise<DeadlineRow> {
  const server = await startServer(framework, "slow", "adyen-server.ts");
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const deliveries = Array.from({ length: count }, () => adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN_BENCH_KEY, basicAuth: ADYEN_BENCH_AUTH }));
    const answers = await Promise.all(
      deliveries.map(
        (delivery) =>
          new Promise<{ ms: number; body: string }>((resolve, reject) => {
            // Timed from when the request was fully written to the socket (its arrival, on loopback), not from
            // when this loop created it: creating 200 requests takes the client itself tens of ms.
            let started = performance.now();
            const req = httpRequest(
              { host: "127.0.0.1", port: server.port, method: "POST", path: ADYEN_PATH, agent, headers: { ...delivery.headers, "content-length": delivery.body.length } },
              (res) => {
                let body = "";
                res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
                res.on("end", () => resolve({ ms: performance.now() - started, body }));
              },
            );
            req.on("error", reject);
            req.on("finish", () => (started = performance.now()));
            req.end(delivery.body);
          }),
      ),
    );
    const times = answers.map((a) => a.ms).sort((a, b) => a - b);
    const maxMs = times.at(-1)!;
    return {
      framework,
      requests: count,
      allRefused: answers.every((a) => a.body === '{"authenticationDecision":{"status":"refused"}}'),
      maxMs,
      p50Ms: times[Math.floor(times.length / 2)]!,
      withinDeadline: maxMs <= DECISION_TIMEOUT_MS + 150,
    };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
