// Two kept callgrind counts compared function by function: where one server's (or one in-process variant's)
// instructions per delivery go that the other's do not. Reads folders written with --keep by bench/count-route.ts or
// bench/count-core.ts (window dumps out.N, V8's perf map, counting.json). Not part of `npm run bench`: a maintainer's
// tool (docs/maintainers.md).
//
//   cd test && node --import tsx bench/by-function.ts /tmp/pomelo-koa-ours /tmp/pomelo-koa-guarded [--top 40]
//
// Each side is read from its steady window (the fewest instructions, as the bench reads it), or from window N with
// DIR:N (the same folder twice, DIR:4 DIR:5, shows what a costlier window did that the steady one did not). callgrind_annotate names
// JIT code only by address (???:0x…); the perf map names it (V8's function name and file:line:column). A function
// V8 inlined is counted in its caller, so compare the kinds (JIT ours, V8 builtins, garbage collection, …) before
// single names: the same work can sit under different names on the two sides.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { windowCounts } from "./instructions.js";
import { commandOption } from "./lib.js";

interface Side {
  dir: string;
  window: number;
  perWindow: number;
  /** Instructions per delivery. */
  total: number;
  byFunction: Map<string, number>;
}

const [dirA, dirB] = process.argv.slice(2);
const top = Number(commandOption("--top") ?? 40);
if (dirA === undefined || dirB === undefined || dirA.startsWith("--") || dirB.startsWith("--")) {
  console.error("usage: node --import tsx bench/by-function.ts <kept dir A>[:window] <kept dir B>[:window] [--top N]");
  process.exit(2);
}

/** The perf map's JIT ranges, sorted by start: [start, end, name]. */
function jitRanges(dir: string): [number, number, string][] {
  let text = "";
  try {
    text = readFileSync(join(dir, "perf.map"), "utf8");
  } catch {
    console.error(`${dir} has no perf.map: JIT code stays unnamed`);
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line): [number, number, string] => {
      const [start, size, ...name] = line.split(" ");
      const from = Number.parseInt(start!, 16);
      return [from, from + Number.parseInt(size!, 16), name.join(" ")];
    })
    .sort((a, b) => a[0] - b[0]);
}

function jitName(ranges: [number, number, string][], address: number): string {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ranges[middle]![0] <= address) low = middle + 1;
    else high = middle - 1;
  }
  const range = ranges[high];
  if (range === undefined || address >= range[1]) return "JIT (unnamed)";
  // "JS:*name file:///…/repo/packages/x/dist/index.js:1:2" → "JIT name packages/x/dist/index.js:1:2"
  return `JIT ${range[2].replace(/^JS:[*~^+]?/, "").replace(/file:\/\/\S*?\/(packages|test|node_modules)\//, "$1/")}`;
}

function read(given: string): Side {
  const [, dir = given, chosen] = /^(.*?)(?::(\d+))?$/.exec(given) ?? [];
  const { windows, perWindow } = JSON.parse(readFileSync(join(dir, "counting.json"), "utf8")) as { windows: number; perWindow: number };
  const counts = windowCounts(dir, windows, perWindow);
  const window = chosen !== undefined ? Number(chosen) : counts.indexOf(Math.min(...counts.filter((count) => count > 0))) + 1;
  const ranges = jitRanges(dir);
  const annotated = execFileSync("callgrind_annotate", ["--threshold=100", join(dir, `out.${window}`)], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const line of annotated.split("\n")) {
    const row = /^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (row === null) continue;
    const instructions = Number(row[1]!.replaceAll(",", "")) / perWindow;
    const where = row[2]!;
    if (where.includes("PROGRAM TOTALS")) {
      total = instructions;
      continue;
    }
    const jit = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/.exec(where);
    // "file:function(args) [object]" → "function [object]"
    const name = jit ? jitName(ranges, Number.parseInt(jit[1]!, 16)) : where.replace(/^[^:]*:/, "").replace(/\(.*?(?= \[|$)/, "");
    byFunction.set(name, (byFunction.get(name) ?? 0) + instructions);
  }
  return { dir: given, window, perWindow, total, byFunction };
}

/** What kind of work a function is, for the first table. */
function kind(name: string): string {
  if (/sha256|sha1|hmac/i.test(name) && !name.startsWith("JIT")) return "hashing (native)";
  if (/Scaveng|Evacuat|Heap::|IteratePointers|BodyDescriptor|MarkCompact|Sweeper|heap::|GCTracer|MinorMC/.test(name)) return "garbage collection";
  if (name.startsWith("JIT packages/") || / packages\//.test(name)) return "JIT: this library";
  if (/ test\//.test(name)) return "JIT: the bench's own route";
  if (name.startsWith("JIT")) return "JIT: Node and dependencies";
  if (name.startsWith("Builtins_")) return "V8 builtins (property access, typed arrays, promises)";
  if (/malloc|free|memcpy|memmove|memset|libc/.test(name)) return "libc (malloc, copies)";
  return "other native (V8 runtime, Node, libuv)";
}

const a = read(dirA);
const b = read(dirB);
const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
const signed = (n: number) => `${n >= 0 ? "+" : "−"}${Math.abs(Math.round(n)).toLocaleString("en-US")}`;
for (const [label, side] of [["A", a], ["B", b]] as const)
  console.log(`${label}: ${side.dir}, window ${side.window}, ${side.perWindow.toLocaleString("en-US")} deliveries: ${k(side.total)} instructions per delivery`);
console.log(`A − B: ${signed(a.total - b.total)} per delivery\n`);

const names = new Set([...a.byFunction.keys(), ...b.byFunction.keys()]);
const kinds = new Map<string, [number, number]>();
for (const name of names) {
  const sums = kinds.get(kind(name)) ?? [0, 0];
  sums[0] += a.byFunction.get(name) ?? 0;
  sums[1] += b.byFunction.get(name) ?? 0;
  kinds.set(kind(name), sums);
}
console.log("| kind | A − B | A | B |\n| --- | ---: | ---: | ---: |");
for (const [name, [inA, inB]] of [...kinds].sort((x, y) => y[1][0] - y[1][1] - (x[1][0] - x[1][1])))
  console.log(`| ${name} | ${signed(inA - inB)} | ${Math.round(inA).toLocaleString("en-US")} | ${Math.round(inB).toLocaleString("en-US")} |`);

console.log(`\n| function (largest differences first, ${top}) | A − B | A | B |\n| --- | ---: | ---: | ---: |`);
const differences = [...names].map((name): [string, number, number] => [name, a.byFunction.get(name) ?? 0, b.byFunction.get(name) ?? 0]);
for (const [name, inA, inB] of differences.sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2])).slice(0, top))
  console.log(`| ${name.replaceAll("|", "\\|")} | ${signed(inA - inB)} | ${Math.round(inA).toLocaleString("en-US")} | ${Math.round(inB).toLocaleString("en-US")} |`);
