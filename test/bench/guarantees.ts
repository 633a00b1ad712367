// The "guarantees" rows of `npm run bench`: where a route stays below its baseline, what the gap is made of. One
// sender on one target, six servers interleaved under wrk: the baseline, the baseline with the first 1…4 of
// GUARANTEES added (senders.ts; "guarded" has all four), and ours. Each step's CPU per request minus the step
// before is what that guarantee costs through the framework; ours against "guarded" is what is left beyond them.
import { deliveriesFor } from "./deliveries.js";
import { interleaved, median, perRound, runWrk, startServer, type Load, type Target } from "./lib.js";
import { GUARANTEES, type SenderName } from "./senders.js";

/** The rows: the senders that carry the route target, on the frameworks where a row has stayed below it. */
export const GUARANTEE_ROWS: [SenderName, Target][] = [
  ["siglume", "fastify"],
  ["siglume", "koa"],
  ["adyen", "fastify"],
  ["adyen", "koa"],
  ["adyen", "nestjs"],
  ["pomelo", "fastify"],
  ["pomelo", "koa"],
  ["pomelo", "nestjs"],
  // The fetch runtimes: Hono and the fetch handler on Node were below 0.9 for all three senders, Bun for Adyen.
  ["siglume", "hono"],
  ["siglume", "fetch"],
  ["adyen", "hono"],
  ["adyen", "fetch"],
  ["adyen", "bun"],
  ["pomelo", "hono"],
  ["pomelo", "fetch"],
];

/** The servers of one row, in order: each adds one guarantee to the one before, then ours. */
export const LADDER = ["baseline", ...GUARANTEES.map((_, i) => (i === GUARANTEES.length - 1 ? "guarded" : `guarded-${i + 1}`)), "ours"] as const;

export interface GuaranteeStep {
  variant: string;
  /** What this step adds to the one before ("the hand-written baseline" for the first, "ours" for the last). */
  adds: string;
  rps: number;
  cpuUs: number;
  /** The median over rounds of this step's CPU µs per request minus the step before's in the same round (0 first). */
  addsCpuUs: number;
  non2xx: number;
}

export interface GuaranteeRow {
  sender: SenderName;
  target: Target;
  steps: GuaranteeStep[];
  /** median(ours req/s) / median(guarded req/s): ours against a hand-written route with the same guarantees. */
  oursToGuarded: number;
  /** The median over rounds of ours req/s / guarded req/s in the same round (lib.ts perRound). */
  oursToGuardedPerRound: number;
  rounds: Record<string, Load[]>;
}

/** `sender` on `target`: a 1 s warm-up each, then `rounds` interleaved runs of `seconds` of every step. */
export async function benchGuarantees(sender: SenderName, target: Target, { rounds, seconds }: { rounds: number; seconds: number }): Promise<GuaranteeRow> {
  const servers = await Promise.all(LADDER.map((variant) => startServer(target, sender, variant)));
  try {
    // As routes.ts: each run's file holds three times the fastest rate seen so far on that server.
    const fastest = LADDER.map(() => 0);
    const run = (i: number, s: number) => async () => {
      const perSecond = fastest[i] === 0 ? 25_000 : Math.min(30_000, Math.max(5000, Math.ceil(fastest[i]! * 3)));
      const load = await runWrk(servers[i]!, s, deliveriesFor(sender, s, perSecond));
      fastest[i] = Math.max(fastest[i]!, load.rps);
      return load;
    };
    for (let i = 0; i < LADDER.length; i++) await run(i, 1)();
    const runs = await interleaved(rounds, Object.fromEntries(LADDER.map((variant, i) => [variant, run(i, seconds)])));
    const steps = LADDER.map((variant, i) => ({
      variant,
      adds: i === 0 ? "the hand-written baseline" : i === LADDER.length - 1 ? "ours" : GUARANTEES[i - 1]!,
      rps: median(runs[variant]!.map((load) => load.rps)),
      cpuUs: median(runs[variant]!.map((load) => load.cpuMicrosPerRequest)),
      addsCpuUs: i === 0 ? 0 : perRound(runs[variant]!, runs[LADDER[i - 1]!]!, (step, before) => step.cpuMicrosPerRequest - before.cpuMicrosPerRequest),
      non2xx: runs[variant]!.reduce((sum, load) => sum + load.non2xx, 0),
    }));
    const rpsOf = (variant: string) => steps.find((step) => step.variant === variant)!.rps;
    const oursToGuardedPerRound = perRound(runs.ours!, runs.guarded!, (ours, guarded) => ours.rps / guarded.rps);
    return { sender, target, steps, oursToGuarded: rpsOf("ours") / rpsOf("guarded"), oursToGuardedPerRound, rounds: runs };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
