// Server CPU per request of bench servers under wrk, split by thread: the main thread's user and system time and
// V8's helper threads', from /proc/PID/task/*/stat, in interleaved rounds (A B C, C B A, …). Where a timed row and
// its instruction count disagree (bench/count-route.ts), this says on which thread the extra time is spent. Not part
// of `npm run bench`: a maintainer's tool (docs/maintainers.md, "Measuring performance").
//
//   cd test && node --import tsx bench/split-route.ts adyen koa guarded ours sync [--rounds 6] [--seconds 4]
//
// Variants are any the bench servers know (bench/server.ts, bench/senders.ts). Medians and the lowest round are
// printed: on this kind of host a round can run at half speed, and the lowest is the least disturbed reading.
// BENCH_SERVER_NODE_ARGS=--single-threaded runs V8 without its helper threads.
import { readdirSync } from "node:fs";
import { deliveriesFor } from "./deliveries.js";
import { commandOption, cpuMicros, interleaved, median, routeArguments, runWrk, startServer, type Server } from "./lib.js";

const { sender, target, variants } = routeArguments("split-route.ts", { minVariants: 1, usage: "<variant>... [--rounds N] [--seconds S]" });
const rounds = Number(commandOption("--rounds") ?? 6);
const seconds = Number(commandOption("--seconds") ?? 4);

/** Microseconds of CPU so far: the main thread's user and system time, and every other thread's together. */
function cpuOf(pid: number): { user: number; system: number; helpers: number } {
  const cpu = { user: 0, system: 0, helpers: 0 };
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let used: { user: number; system: number };
    try {
      used = cpuMicros(`/proc/${pid}/task/${task}/stat`);
    } catch {
      continue; // a thread that ended meanwhile
    }
    if (task === String(pid)) Object.assign(cpu, used);
    else cpu.helpers += used.user + used.system;
  }
  return cpu;
}

/** One run of wrk against `server`: req/s and the CPU split per request. */
async function split(server: Server): Promise<{ rps: number; user: number; system: number; helpers: number }> {
  const before = cpuOf(server.pid);
  const load = await runWrk(server, seconds, deliveriesFor(sender, seconds));
  const after = cpuOf(server.pid);
  const requests = load.rps * seconds;
  return { rps: load.rps, user: (after.user - before.user) / requests, system: (after.system - before.system) / requests, helpers: (after.helpers - before.helpers) / requests };
}

const servers: Server[] = [];
try {
  for (const variant of variants) servers.push(await startServer(target, sender, variant));
  for (const server of servers) await runWrk(server, 2, deliveriesFor(sender, 2));
  const runs = await interleaved(rounds, Object.fromEntries(variants.map((variant, i) => [variant, () => split(servers[i]!)])));
  console.log(`${sender} on ${target}, ${rounds} interleaved rounds of ${seconds} s; µs per request, median (lowest round)`);
  console.log("variant        req/s    main user       main system     helper threads");
  const cell = (values: number[]) => `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)})`.padEnd(16);
  for (const [variant, r] of Object.entries(runs)) {
    const of = (key: "user" | "system" | "helpers") => cell(r.map((run) => run[key]));
    console.log(`${variant.padEnd(14)} ${String(Math.round(median(r.map((run) => run.rps)))).padEnd(8)} ${of("user")}${of("system")}${of("helpers")}`);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
