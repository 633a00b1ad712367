// Servers, load and flood for the benchmark (run.ts prints and checks the results).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sample } from "./core.js";
import { BENCH_SECRET } from "./server.js";

const here = fileURLToPath(new URL(".", import.meta.url));
export const scratch = mkdtempSync(join(os.tmpdir(), "siglume-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

// ---------- servers ----------

const canPin = os.cpus().length >= 2 && spawnSync("sh", ["-c", "command -v taskset"]).status === 0;

/** The command run on CPU `cpu` only, where taskset exists and there are two CPUs. */
export function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];
}

export interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export type Variant = "siglume" | "handwritten" | "handwritten-parse";

export async function startServer(framework: string, variant: Variant | string, script = "server.ts"): Promise<Server> {
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers (docs/maintainers.md).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  // The server on one core and wrk on the other (taskset, when there are two): left to the scheduler,
  // both sometimes share a core, and a variant's numbers jump by half between runs.
  const [command, args] = pinned(1, process.execPath, [...nodeArgs, "--import", "tsx", `${here}${script}`]);
  const child: ChildProcess = spawn(command, args, {
    cwd: `${here}..`,
    env: { ...process.env, FRAMEWORK: framework, VARIANT: variant, NODE_ENV: "bench" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const deadline = Date.now() + 60_000;
  while (!/LISTENING (\d+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${framework}/${variant} did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port: Number(/LISTENING (\d+)/.exec(out)![1]),
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

// ---------- load ----------

/** One request as wrk sends it (provider-requests.lua): the path, its headers and the exact body. */
export interface BenchDelivery {
  path: string;
  headers: Record<string, string>;
  text: string;
}

/** `count` deliveries written one per line for provider-requests.lua; runWrk deletes the file. */
export function requestFile(prefix: string, count: number, next: (i: number) => BenchDelivery): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { path, headers, text } = next(i);
    lines.push([path, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), text].join("\t"));
  }
  const file = join(scratch, `${prefix}-${Math.random().toString(36).slice(2)}.tsv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/**
 * ~1 KB events with unique ids, signed (bad: with the wrong secret), for wrk to send in order.
 * Sized for 25k req/s; past that (a faster machine) ids repeat and become duplicates (still 204).
 */
function signedRequestFile(seconds: number, bad = false): string {
  const [head, tail] = sample(1024).body.toString().split('"evt_bench"');
  const secret = bad ? `${BENCH_SECRET}_wrong` : BENCH_SECRET;
  const t = Math.floor(Date.now() / 1000);
  const tag = Math.random().toString(36).slice(2);
  return requestFile("requests", seconds * 25_000, (i) => {
    const text = `${head}"evt_${tag}_${i}"${tail}`;
    const v1 = createHmac("sha256", secret).update(`${t}.`).update(text).digest("hex");
    return { path: "/webhooks/siglume", headers: { "Content-Type": "application/json", "Siglume-Signature": `t=${t},v1=${v1}` }, text };
  });
}

export interface Load {
  rps: number;
  /** Server CPU time per request: steadier than req/s on a shared machine. */
  cpuMicrosPerRequest: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  non2xx: number;
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;

/** CPU seconds (user + system) the process has used, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function load(port: number, seconds: number, bad = false, pid?: number): Promise<Load> {
  return runWrk(port, seconds, signedRequestFile(seconds, bad), "provider-requests.lua", [], pid);
}

/** Runs wrk with a request script and its file of pre-built requests (deleted afterwards). */
export async function runWrk(port: number, seconds: number, requests: string, lua: string, luaArgs: string[], pid?: number): Promise<Load> {
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  // One wrk thread: the server under test keeps the other core to itself.
  const output = execFileSync(
    ...pinned(0, "wrk", ["-t1", "-c32", `-d${seconds}s`, "--latency", "-s", `${here}${lua}`, `http://127.0.0.1:${port}`, "--", requests, ...luaArgs]),
    { encoding: "utf8" },
  );
  const cpuUsed = pid ? cpuSeconds(pid) - cpuBefore : NaN;
  rmSync(requests);
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)$`, "m").exec(output);
    if (!match) throw new Error(`wrk printed no ${p}% latency:\n${output}`);
    return toMs(match[1]!, match[2]!);
  };
  const total = Number(/(\d+) requests in/.exec(output)![1]);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)![1]),
    cpuMicrosPerRequest: (cpuUsed * 1e6) / total,
    p50: percentile("50"),
    p99: percentile("99"),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  };
}

// ---------- flood ----------

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** One 50 MB chunked body from a shared 64 KB chunk; stops writing once the server answers. */
function floodOnce(port: number): Promise<number> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let answered = false;
    const req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/webhooks/siglume", headers: { "content-type": "application/json", "siglume-signature": "t=1,v1=" + "0".repeat(64), "transfer-encoding": "chunked" } },
      (res) => {
        answered = true;
        res.resume();
        res.on("end", () => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", () => resolve(answered ? 413 : 0));
    const pump = () => {
      while (!answered && sent < 50 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

export async function flood(server: Server): Promise<{ baselineMb: number; peakMb: number; growthMb: number; statuses: Record<string, number> }> {
  // Warm the route first so the baseline includes a handled request's steady state.
  await load(server.port, 1);
  const baselineMb = rssMb(server.pid);
  let peakMb = baselineMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(server.pid))), 20);
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 3; i++) {
        const status = await floodOnce(server.port);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  clearInterval(sampler);
  peakMb = Math.max(peakMb, rssMb(server.pid));
  return { baselineMb, peakMb, growthMb: peakMb - baselineMb, statuses };
}

