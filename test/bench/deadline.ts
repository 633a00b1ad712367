// The Adyen deadline rows of `npm run bench`: 200 relayed authentications at once, each on its own connection,
// to a handler that takes 5 s; every one must be answered "refused" within decisionTimeoutMs + 200 ms of its
// arrival. The client runs in this process, on the same two cores as the server.
import { Agent, request as httpRequest } from "node:http";
import { adyenEvents, adyenSignedRequest } from "@siglume-middleware/testing";
import { startServer, type Target } from "./lib.js";
import { ADYEN } from "./senders.js";

/** The allowance over decisionTimeoutMs (issue 17). */
export const DEADLINE_SLACK_MS = 200;
const REFUSED = '{"authenticationDecision":{"status":"refused"}}';

export interface DeadlineRow {
  target: Target;
  requests: number;
  allRefused: boolean;
  /** Milliseconds from each request's arrival (fully written to the loopback socket) to its answer. */
  p50Ms: number;
  maxMs: number;
  limitMs: number;
  withinDeadline: boolean;
}

export async function benchAdyenDeadline(target: Target, count = 200): Promise<DeadlineRow> {
  const server = await startServer(target, "adyen", "slow");
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const deliveries = Array.from({ length: count }, () => adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN.hmacKey, basicAuth: ADYEN.basicAuth }));
    const answers = await Promise.all(
      deliveries.map(
        (delivery) =>
          new Promise<{ ms: number; body: string }>((resolve, reject) => {
            // Timed from when the request was fully written to the socket (its arrival, on loopback), not from when
            // this loop created it: creating 200 requests takes the client itself tens of ms.
            let arrived = performance.now();
            const req = httpRequest(
              { host: "127.0.0.1", port: server.port, method: "POST", path: ADYEN.path, agent, headers: { ...delivery.headers, "content-length": delivery.body.length } },
              (res) => {
                let body = "";
                res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
                res.on("end", () => resolve({ ms: performance.now() - arrived, body }));
              },
            );
            req.on("error", reject);
            req.on("finish", () => (arrived = performance.now()));
            req.end(delivery.body);
          }),
      ),
    );
    const times = answers.map((answer) => answer.ms).sort((a, b) => a - b);
    const limitMs = ADYEN.decisionTimeoutMs + DEADLINE_SLACK_MS;
    return {
      target,
      requests: count,
      allRefused: answers.every((answer) => answer.body === REFUSED),
      p50Ms: times[times.length >> 1]!,
      maxMs: times.at(-1)!,
      limitMs,
      withinDeadline: times.at(-1)! <= limitMs,
    };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
