// The "instructions" rows of `npm run bench`: the guarantees rows (guarantees.ts) counted in CPU instructions per
// request instead of timed. Each server runs under valgrind's callgrind with instrumentation off; after a warm-up
// the bench switches it on (`callgrind_control -i on`), sends a fixed number of deliveries, and dumps the count.
// On this shared host a round's CPU time moves by up to 2× with the neighbours; an instruction count moves by a few
// per cent (garbage collection and compilation falling in or out of the window) as long as V8 runs without its
// background threads (`--single-threaded`, below). It does not see cache misses or memory stalls: read it beside the
// timed rows, not instead of them.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { deliveryList } from "./deliveries.js";
import { startServer, type Server, type Target } from "./lib.js";
import type { SenderName } from "./senders.js";

/** The servers of a row: the hand-written baseline, the same route with every guarantee (guarded), ours. */
export const COUNTED = ["baseline", "guarded", "ours"] as const;

export interface InstructionRow {
  sender: SenderName;
  target: Target;
  /** Thousands of instructions per request, by server. */
  kiloPerRequest: Record<(typeof COUNTED)[number], number>;
  warmUp: number;
  counted: number;
}

/** Why this machine cannot count (no valgrind), or undefined when it can. */
export const countingUnavailable = (): string | undefined =>
  spawnSync("sh", ["-c", "command -v valgrind && command -v callgrind_control"]).status === 0 ? undefined : "valgrind is not installed";

/** Sends `deliveries` over 8 keep-alive connections, one request at a time on each; throws on a non-2xx answer. */
async function send(server: Server, deliveries: ReturnType<typeof deliveryList>): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < deliveries.length) {
          const { path, headers, text } = deliveries[next++]!;
          const status = await new Promise<number>((resolve, reject) => {
            const req = request({ host: "127.0.0.1", port: server.port, path, method: "POST", headers, agent }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            });
            req.on("error", reject);
            req.end(text);
          });
          if (status < 200 || status >= 300) throw new Error(`a valid delivery was answered ${status}`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

/** Instructions per request of one server: `warmUp` deliveries uncounted, then `counted` counted. */
async function count(sender: SenderName, target: Target, variant: string, warmUp: number, counted: number): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), "siglume-callgrind-"));
  const server = await startServer(target, sender, variant, {
    wrapper: ["valgrind", "-q", "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${dir}/out`],
    // V8 without its background threads: they compile and collect garbage on timings of their own, and with them a
    // count of the same server moved by 30% under other load on the machine (by 0.1% without them).
    nodeArgs: ["--single-threaded"],
  });
  try {
    const deliveries = deliveryList(sender, warmUp + counted);
    await send(server, deliveries.slice(0, warmUp));
    execFileSync("callgrind_control", ["--instr=on", String(server.pid)], { stdio: "ignore" });
    await send(server, deliveries.slice(warmUp));
    execFileSync("callgrind_control", ["--dump", String(server.pid)], { stdio: "ignore" });
  } finally {
    await server.stop();
  }
  // The dump asked for is out.1 (valgrind writes `out` itself at exit, with what ran after it: shutdown).
  const files = readdirSync(dir);
  const dumped = files.includes("out.1") ? readFileSync(join(dir, "out.1"), "utf8") : "";
  rmSync(dir, { recursive: true, force: true });
  const total = Number(/^totals: (\d+)/m.exec(dumped)?.[1] ?? 0);
  if (total === 0) throw new Error(`callgrind counted nothing for ${sender} on ${target} (${variant}); it wrote ${files.join(", ") || "no file"}`);
  return total / counted / 1000;
}

/** `sender` on `target`: each of COUNTED in turn. */
export async function benchInstructions(sender: SenderName, target: Target, { warmUp, counted }: { warmUp: number; counted: number }): Promise<InstructionRow> {
  const kiloPerRequest = {} as InstructionRow["kiloPerRequest"];
  for (const variant of COUNTED) kiloPerRequest[variant] = await count(sender, target, variant, warmUp, counted);
  return { sender, target, kiloPerRequest, warmUp, counted };
}
