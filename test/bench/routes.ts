// The route rows of `npm run bench`: one sender on one target, our mount against the baseline (senders.ts) in the
// same framework and runtime, under wrk: medians of interleaved rounds, server CPU per request beside req/s.
import { deliveriesFor } from "./deliveries.js";
import { interleaved, median, perRound, runWrk, startServer, type Load, type Target } from "./lib.js";
import { senders, type SenderName } from "./senders.js";

/** How each target reads the body in its baseline, and what the target is. */
export const TARGETS: Record<Target, { title: string; bodyRead: string }> = {
  express: { title: "Express 5", bodyRead: "express.raw()" },
  fastify: { title: "Fastify 5", bodyRead: "parseAs: 'buffer'" },
  koa: { title: "Koa 3", bodyRead: "raw-body" },
  nestjs: { title: "NestJS (Express platform)", bodyRead: "rawBody: true, @Req()" },
  hono: { title: "Hono on Node (@hono/node-server)", bodyRead: "c.req.arrayBuffer()" },
  fetch: { title: "fetch handler on Node (@hono/node-server)", bodyRead: "request.arrayBuffer()" },
  bun: { title: "Bun (Bun.serve)", bodyRead: "request.arrayBuffer()" },
  deno: { title: "Deno (Deno.serve)", bodyRead: "request.arrayBuffer()" },
};

export interface RouteRow {
  sender: SenderName;
  target: Target;
  /** What was measured against what: "ours" vs "baseline", or "telemetry" vs "ours". */
  variants: [string, string];
  baseline: string;
  oursRps: number;
  baselineRps: number;
  /** median(ours req/s) / median(baseline req/s). */
  ratio: number;
  /** The median over rounds of ours req/s / baseline req/s in the same round (lib.ts perRound). */
  roundRatio: number;
  oursCpuUs: number;
  baselineCpuUs: number;
  oursP99: number;
  baselineP99: number;
  /** Over every run of both sides: a single refused valid delivery is a bug. */
  non2xx: number;
  idsRepeated: boolean;
  rounds: { ours: Load[]; baseline: Load[] };
}

/** `sender` on `target`: a 1 s warm-up each, then `rounds` interleaved runs of `seconds`. */
export async function benchRoute(
  sender: SenderName,
  target: Target,
  { rounds, seconds, variants = ["ours", "baseline"] }: { rounds: number; seconds: number; variants?: [string, string] },
): Promise<RouteRow> {
  const [ours, baseline] = [await startServer(target, sender, variants[0]), await startServer(target, sender, variants[1])];
  try {
    // Each run's file holds three times the fastest rate seen so far on that side (5k–30k/s; 25k/s before the first
    // run): a file of 75,000 signed 1 KB deliveries takes seconds to write, and most routes answer far fewer. The
    // margin is for this noisy machine, where a run can be 3× faster than the one before it.
    const fastest = { ours: 0, baseline: 0 };
    const run = (side: "ours" | "baseline", s: number) => async () => {
      const perSecond = fastest[side] === 0 ? 25_000 : Math.min(30_000, Math.max(5000, Math.ceil(fastest[side] * 3)));
      const load = await runWrk(side === "ours" ? ours : baseline, s, deliveriesFor(sender, s, perSecond));
      fastest[side] = Math.max(fastest[side], load.rps);
      return load;
    };
    await run("ours", 1)();
    await run("baseline", 1)();
    const runs = await interleaved(rounds, { ours: run("ours", seconds), baseline: run("baseline", seconds) });
    const mid = (side: "ours" | "baseline", key: "rps" | "cpuMicrosPerRequest" | "p99") => median(runs[side].map((load) => load[key]));
    const all = [...runs.ours, ...runs.baseline];
    return {
      sender,
      target,
      variants,
      baseline:
        variants[1] === "baseline" ? `${TARGETS[target].bodyRead} + ${senders[sender].baseline}` : `our ${TARGETS[target].title} mount with \`telemetry: false\``,
      oursRps: mid("ours", "rps"),
      baselineRps: mid("baseline", "rps"),
      ratio: mid("ours", "rps") / mid("baseline", "rps"),
      roundRatio: perRound(runs.ours, runs.baseline, (ours, baseline) => ours.rps / baseline.rps),
      oursCpuUs: mid("ours", "cpuMicrosPerRequest"),
      baselineCpuUs: mid("baseline", "cpuMicrosPerRequest"),
      oursP99: mid("ours", "p99"),
      baselineP99: mid("baseline", "p99"),
      non2xx: all.reduce((sum, load) => sum + load.non2xx, 0),
      idsRepeated: all.some((load) => load.repeated),
      rounds: runs,
    };
  } finally {
    await Promise.all([ours.stop(), baseline.stop()]);
  }
}
