// The Adyen rows of `npm run bench`: relayed decisions through each adapter against the hand-written
// route in the same framework, and the deadline under 200 concurrent requests whose handler takes 5 s.
import { writeFileSync } from "node:fs";
import { request as httpRequest, Agent } from "node:http";
import { join } from "node:path";
import { adyenEvents, adyenSignedRequest } from "@siglume-middleware/testing";
import { ADYEN_BENCH_AUTH, ADYEN_BENCH_KEY, ADYEN_PATH, DECISION_TIMEOUT_MS } from "./adyen-server.js";
import { runWrk, scratch, startServer, type Load } from "./lib.js";

const AUTHORIZATION = `Basic ${Buffer.from(`${ADYEN_BENCH_AUTH.username}:${ADYEN_BENCH_AUTH.password}`).toString("base64")}`;

/** Relayed authentications with unique ids, signed, one per line for wrk. Sized for 25k req/s. */
function relayedRequestFile(seconds: number): string {
  const lines: string[] = [];
  for (let i = 0; i < seconds * 25_000; i++) {
    const delivery = adyenSignedRequest(adyenEvents.relayed(), { hmacKey: ADYEN_BENCH_KEY });
    lines.push(`${delivery.headers.hmacsignature}\t${delivery.text}`);
  }
  const file = join(scratch, `adyen-${Math.random().toString(36).slice(2)}.tsv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

export interface AdyenRow {
  framework: string;
  oursRps: number;
  handwrittenRps: number;
  ratio: number;
  oursCpuUs: number;
  handwrittenCpuUs: number;
  non2xx: number;
}

/** Best of `rounds` interleaved runs per variant (interference only slows a run down). */
export async function benchAdyenThroughput(framework: string, seconds: number, rounds: number): Promise<AdyenRow> {
  const servers = { ours: await startServer(framework, "ours", "adyen-server.ts"), handwritten: await startServer(framework, "handwritten", "adyen-server.ts") };
  try {
    const runs: Record<"ours" | "handwritten", Load[]> = { ours: [], handwritten: [] };
    const once = async (variant: "ours" | "handwritten", s: number) =>
      runWrk(servers[variant].port, s, relayedRequestFile(s), "adyen-requests.lua", [AUTHORIZATION], servers[variant].pid);
    await once("ours", 1);
    await once("handwritten", 1);
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? (["ours", "handwritten"] as const) : (["handwritten", "ours"] as const)) {
        runs[variant].push(await once(variant, seconds));
      }
    }
    const best = (variant: "ours" | "handwritten") => Math.max(...runs[variant].map((l) => l.rps));
    const cpu = (variant: "ours" | "handwritten") => Math.min(...runs[variant].map((l) => l.cpuMicrosPerRequest));
    return {
      framework,
      oursRps: best("ours"),
      handwrittenRps: best("handwritten"),
      ratio: best("ours") / best("handwritten"),
      oursCpuUs: cpu("ours"),
      handwrittenCpuUs: cpu("handwritten"),
      non2xx: [...runs.ours, ...runs.handwritten].reduce((sum, l) => sum + l.non2xx, 0),
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

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
