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
import { readdirSync, readFileSync } from "node:fs";
import { deliveriesFor } from "./deliveries.js";
import { commandOption, median, NODE_TARGETS, runWrk, startServer, type Server, type Target } from "./lib.js";
import { senders, type SenderName } from "./senders.js";

const [sender, target, ...variants] = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && !all[i - 1]?.startsWith("--")) as [SenderName?, Target?, ...string[]];
const rounds = Number(commandOption("--rounds") ?? 6);
const seconds = Number(commandOption("--seconds") ?? 4);
if (sender === undefined || !(sender in senders) || target === undefined || !(NODE_TARGETS as readonly string[]).includes(target) || variants.length === 0) {
  console.error(`usage: node --import tsx bench/split-route.ts <${Object.keys(senders).join("|")}> <${NODE_TARGETS.join("|")}> <variant>... [--rounds N] [--seconds S]`);
  process.exit(2);
}

/** Microseconds of CPU so far: the main thread's user and system time, and every other thread's together. */
function cpuOf(pid: number): { user: number; system: number; helpers: number } {
  const cpu = { user: 0, system: 0, helpers: 0 };
  const ticks = 1_000_000 / 100; // USER_HZ
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8").split(") ")[1]!.split(" ");
    } catch {
      continue; // a thread that ended meanwhile
    }
    const [user, system] = [Number(fields[11]) * ticks, Number(fields[12]) * ticks];
    if (task === String(pid)) Object.assign(cpu, { user, system });
    else cpu.helpers += user + system;
  }
  return cpu;
}

const servers: [string, Server][] = [];
for (const variant of variants) servers.push([variant, await startServer(target, sender, variant)]);
try {
  for (const [, server] of servers) await runWrk(server, 2, deliveriesFor(sender, 2));
  const readings = new Map(variants.map((variant) => [variant, { rps: [] as number[], user: [] as number[], system: [] as number[], helpers: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const [variant, server] of round % 2 === 0 ? servers : [...servers].reverse()) {
      const before = cpuOf(server.pid);
      const load = await runWrk(server, seconds, deliveriesFor(sender, seconds));
      const after = cpuOf(server.pid);
      const requests = load.rps * seconds;
      const reading = readings.get(variant)!;
      reading.rps.push(load.rps);
      reading.user.push((after.user - before.user) / requests);
      reading.system.push((after.system - before.system) / requests);
      reading.helpers.push((after.helpers - before.helpers) / requests);
    }
  }
  console.log(`${sender} on ${target}, ${rounds} interleaved rounds of ${seconds} s; µs per request, median (lowest round)`);
  console.log("variant        req/s    main user       main system     helper threads");
  const cell = (values: number[]) => `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)})`.padEnd(16);
  for (const [variant, r] of readings) console.log(`${variant.padEnd(14)} ${String(Math.round(median(r.rps))).padEnd(8)} ${cell(r.user)}${cell(r.system)}${cell(r.helpers)}`);
} finally {
  await Promise.all(servers.map(([, server]) => server.stop()));
}
