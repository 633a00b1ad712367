// The "instructions" rows of `npm run bench`: the guarantees rows (guarantees.ts) counted in CPU instructions per
// request instead of timed. Each server runs under valgrind's callgrind with instrumentation off; after a warm-up
// the bench switches it on (`callgrind_control -i on`), sends a fixed number of deliveries, and dumps the count.
// On this shared host a round's CPU time moves by up to 2× with the neighbours; an instruction count moves by a few
// per cent (garbage collection and compilation falling in or out of the window) as long as V8 runs without its
// background threads (`--single-threaded`, below). It does not see cache misses or memory stalls: read it beside the
// timed rows, not instead of them.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { deliveryList } from "./deliveries.js";
import { startServer, type Server, type Target } from "./lib.js";
import type { SenderName } from "./senders.js";

/** The servers of a row: the hand-written baseline, the same route with every guarantee (guarded), ours. */
export const COUNTED = ["baseline", "guarded", "ours"] as const;

export interface Counting {
  /** Deliveries sent before counting starts. */
  warmUp: number;
  /** Windows counted apart; a server's figure is the fewest of them. */
  windows: number;
  /** Deliveries per window. */
  perWindow: number;
}

export interface InstructionRow extends Counting {
  sender: SenderName;
  target: Target;
  /**
   * Thousands of instructions per request, by server: the fewest of its windows, the steady state. A window that holds
   * a full garbage collection or a burst of compilation counts tens of thousands more per request, never fewer (the
   * first windows after the warm-up often still compile), so the fewest is the work every request does, young
   * collections included; the major events are left out on both sides of a comparison alike.
   */
  kiloPerRequest: Record<(typeof COUNTED)[number], number>;
  byWindow: Record<(typeof COUNTED)[number], number[]>;
}

/** The instructions section's counting in a full run (bench/count-route.ts counts the same way). */
export const SECTION_COUNTING: Counting = { warmUp: 3000, windows: 5, perWindow: 1500 };

/** Why this machine cannot count (no valgrind), or undefined when it can. */
export const countingUnavailable = (): string | undefined =>
  spawnSync("sh", ["-c", "command -v valgrind && command -v callgrind_control"]).status === 0 ? undefined : "valgrind is not installed";

/** One delivery over `agent`: its answer's status. */
function post(server: Server, agent: Agent, { path, headers, text }: ReturnType<typeof deliveryList>[number]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method: "POST", headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(text);
  });
}

/**
 * Sends `deliveries` over 8 keep-alive connections, one request at a time on each; throws on a non-2xx answer. A
 * server under valgrind can stall for seconds (a compilation on its only thread), and then its keep-alive timeout
 * closes a connection as the next request is sent on it: that request is sent again on a new one (a copy that did
 * arrive is answered as a repeat, 2xx).
 */
async function send(server: Server, deliveries: ReturnType<typeof deliveryList>): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < deliveries.length) {
          const delivery = deliveries[next++]!;
          let status = 0;
          for (let attempt = 1; status === 0; attempt++) {
            status = await post(server, agent, delivery).catch((error: NodeJS.ErrnoException) => {
              if (error.code !== "ECONNRESET" || attempt === 3) throw error;
              return 0;
            });
          }
          if (status < 200 || status >= 300) throw new Error(`a valid delivery was answered ${status}`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

/** valgrind running a process under callgrind, counting nothing until `callgrind_control --instr=on`, dumps in `dir`. */
export const callgrind = (dir: string): string[] => ["valgrind", "-q", "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${dir}/out`];

/** Where V8's --perf-basic-prof writes a process's JIT symbols (valgrind runs Node in its own pid). */
export const perfMap = (pid: number): string => `/tmp/perf-${pid}.map`;

/**
 * Copies the window dumps (out.1 …) of `dir` and the process's perf map to `keep`, with `counting.json` (what was
 * counted, and the deliveries per window that bench/by-function.ts divides by); removes the perf map from /tmp.
 */
export function keepDumps(dir: string, keep: string, pid: number, counting: Counting & Record<string, unknown>): void {
  mkdirSync(keep, { recursive: true });
  for (const file of readdirSync(dir)) if (/^out\.\d+$/.test(file)) copyFileSync(join(dir, file), join(keep, file));
  if (existsSync(perfMap(pid))) copyFileSync(perfMap(pid), join(keep, "perf.map"));
  rmSync(perfMap(pid), { force: true });
  writeFileSync(join(keep, "counting.json"), `${JSON.stringify(counting, null, 2)}\n`);
}

/**
 * Thousands of instructions per delivery in each of the `windows` dumps asked for (`callgrind_control --dump` writes
 * out.1, out.2, …; valgrind writes `out` itself at exit), `perWindow` deliveries each; 0 for a window with no dump.
 */
export function windowCounts(dir: string, windows: number, perWindow: number): number[] {
  return Array.from({ length: windows }, (_, i) => {
    const file = join(dir, `out.${i + 1}`);
    const total = existsSync(file) ? Number(/^totals: (\d+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? 0) : 0;
    return total / perWindow / 1000;
  });
}

/**
 * Instructions per request of one server, per window: `warmUp` deliveries uncounted, then `windows` windows of
 * `perWindow` each, counted apart (callgrind zeroes its counters at each dump). With `keep`, the dumps, V8's perf map
 * (the server runs with `--perf-basic-prof`) and the counting are copied to that folder for bench/by-function.ts.
 */
export async function countServer(sender: SenderName, target: Target, variant: string, counting: Counting, keep?: string): Promise<number[]> {
  const { warmUp, windows, perWindow } = counting;
  const dir = mkdtempSync(join(os.tmpdir(), "siglume-callgrind-"));
  let files: string[];
  let perRequest: number[];
  try {
    const server = await startServer(target, sender, variant, {
      wrapper: callgrind(dir),
      // V8 without its background threads: they compile and collect garbage on timings of their own, and with them
      // a count of the same server moved by 30% under other load on the machine (by 0.1% without them).
      // With `keep`, V8 also writes its perf map (the JIT's symbols), and its log file into `dir`, not the cwd.
      nodeArgs: keep === undefined ? ["--single-threaded"] : ["--single-threaded", "--perf-basic-prof", `--logfile=${dir}/v8.log`, "--no-logfile-per-isolate"],
    });
    try {
      const deliveries = deliveryList(sender, warmUp + windows * perWindow);
      await send(server, deliveries.slice(0, warmUp));
      execFileSync("callgrind_control", ["--instr=on", String(server.pid)], { stdio: "ignore" });
      for (let window = 0; window < windows; window++) {
        const from = warmUp + window * perWindow;
        await send(server, deliveries.slice(from, from + perWindow));
        execFileSync("callgrind_control", ["--dump", String(server.pid)], { stdio: "ignore" });
      }
    } finally {
      await server.stop();
    }
    // The dumps asked for are out.1, out.2, … (valgrind writes `out` itself at exit, with what ran after them).
    files = readdirSync(dir);
    perRequest = windowCounts(dir, windows, perWindow);
    if (keep !== undefined) keepDumps(dir, keep, server.pid, { ...counting, sender, target, variant });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (perRequest.some((value) => value === 0)) throw new Error(`callgrind counted nothing in a window for ${sender} on ${target} (${variant}); it wrote ${files.join(", ") || "no file"}`);
  return perRequest;
}

/** `sender` on `target`: each of COUNTED in turn. */
export async function benchInstructions(sender: SenderName, target: Target, counting: Counting): Promise<InstructionRow> {
  const kiloPerRequest = {} as InstructionRow["kiloPerRequest"];
  const windows = {} as InstructionRow["byWindow"];
  for (const variant of COUNTED) {
    windows[variant] = await countServer(sender, target, variant, counting);
    kiloPerRequest[variant] = Math.min(...windows[variant]);
  }
  return { sender, target, kiloPerRequest, byWindow: windows, ...counting };
}
