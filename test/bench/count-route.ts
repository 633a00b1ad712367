// Instructions per request of one bench server over HTTP, counted as the instructions section of `npm run bench`
// counts it (bench/instructions.ts: callgrind, V8 single-threaded, the fewest of 5 windows), with the dumps and V8's
// perf map kept for a per-function reading. Not part of `npm run bench`: a maintainer's tool (docs/maintainers.md).
//
//   cd test && node --import tsx bench/count-route.ts pomelo koa ours --keep /tmp/pomelo-koa-ours
//   cd test && node --import tsx bench/count-route.ts pomelo koa guarded --keep /tmp/pomelo-koa-guarded
//   cd test && node --import tsx bench/by-function.ts /tmp/pomelo-koa-ours /tmp/pomelo-koa-guarded
//
// The variant is any the bench servers know (bench/server.ts): ours, baseline, guarded (every guarantee), guarded-N.
// `--warm-up N` and `--per-window N` change the section's counting (3,000, then 5 windows of 1,500): ours compiles
// some functions only after several thousand deliveries, so a longer warm-up reads its settled state.
// Count one server at a time: two counted processes side by side disturb each other's counts.
import { countingUnavailable, countServer, SECTION_COUNTING } from "./instructions.js";
import { commandOption, routeArguments } from "./lib.js";

const { sender, target, variants } = routeArguments("count-route.ts", { usage: "[variant] [--keep DIR] [--warm-up N] [--per-window N]" });
const variant = variants[0] ?? "ours";
const keep = commandOption("--keep");
const counting = { ...SECTION_COUNTING, warmUp: Number(commandOption("--warm-up") ?? SECTION_COUNTING.warmUp), perWindow: Number(commandOption("--per-window") ?? SECTION_COUNTING.perWindow) };
const unavailable = countingUnavailable();
if (unavailable !== undefined) throw new Error(`${unavailable}: node scripts/ensure-tools.mjs valgrind`);
if (!(counting.warmUp >= 0 && counting.perWindow > 0)) throw new Error("--warm-up and --per-window take a number of deliveries");
const windows = await countServer(sender, target, variant, counting, keep);
console.log(`${sender} on ${target} (${variant}): ${windows.map((k) => k.toFixed(1)).join(", ")} k instructions per request by window; fewest ${Math.min(...windows).toFixed(1)}`);
if (keep !== undefined) console.log(`dumps and perf map kept in ${keep}`);
