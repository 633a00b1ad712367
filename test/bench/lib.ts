// Servers, load and flood for `npm run bench` (run.ts runs the sections, prints and checks the results).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SENDERS, type SenderName } from "./senders.js";

const here = fileURLToPath(new URL(".", import.meta.url));
/** The repository's root: Deno reads the modules the bench imports by a computed name (Standard Webhooks) under it. */
const repository = fileURLToPath(new URL("../../", import.meta.url));
export const scratch = mkdtempSync(join(os.tmpdir(), "siglume-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

// ---------- servers ----------

const canPin = os.cpus().length >= 2 && spawnSync("sh", ["-c", "command -v taskset"]).status === 0;

/** The value after `--name` on the command line (`--rows REGEX`), or undefined when the option is not given. */
export const commandOption = (name: string): string | undefined =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;

/**
 * A maintainer's bench script's `<sender> <target> [variant...]`: the words on the command line that are neither an
 * option (`--name value`) nor one of `flags` (`--name` alone). Exits with the usage when the sender or the target is
 * not one the bench servers know, or when fewer than `minVariants` variants are given.
 */
export function routeArguments(
  script: string,
  { flags = [], minVariants = 0, usage = "" }: { flags?: readonly string[]; minVariants?: number; usage?: string } = {},
): { sender: SenderName; target: (typeof NODE_TARGETS)[number]; variants: string[] } {
  const words: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (!args[i]!.startsWith("--")) words.push(args[i]!);
    else if (!flags.includes(args[i]!)) i++; // an option's value
  }
  const [sender, target, ...variants] = words;
  if (!(SENDERS as readonly string[]).includes(sender!) || !(NODE_TARGETS as readonly string[]).includes(target!) || variants.length < minVariants) {
    console.error(`usage: node --import tsx bench/${script} <${SENDERS.join("|")}> <${NODE_TARGETS.join("|")}> ${usage}`);
    process.exit(2);
  }
  return { sender: sender as SenderName, target: target as (typeof NODE_TARGETS)[number], variants };
}

/** The command run on CPU `cpu` only, where taskset exists and there are two CPUs. */
export function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];
}

/** Node frameworks (server.ts) and the other runtimes (fetch-server.ts) a route is measured on. */
export const NODE_TARGETS = ["express", "fastify", "koa", "nestjs", "hono", "fetch"] as const;
export type Target = (typeof NODE_TARGETS)[number] | "bun" | "deno";

interface Runtimes {
  bunBinary(): string;
  denoBinary(): string;
  denoRunArgs(file: string, permissions: { env: string[] | true; read?: string[] }): string[];
}
// scripts/lib/runtimes.mjs finds the Bun and Deno binaries the npm packages `bun` and `deno` ship (devDependencies
// of test/). Where this checkout has neither, their rows are reported as unavailable.
const runtimesModule = "../../scripts/lib/runtimes.mjs";
const runtimes = await import(runtimesModule).then(
  (module: Runtimes) => module,
  () => undefined,
);

/** The command that runs a bench server on `target`, or why this checkout cannot. */
function serverCommand(target: Target, extraNodeArgs: string[] = []): [string, string[]] | string {
  if (target === "bun" || target === "deno") {
    try {
      if (!runtimes) throw new Error("scripts/lib/runtimes.mjs is not in this checkout");
      // Deno: the core reads NODE_ENV, the script SENDER and VARIANT.
      return target === "bun" ? [runtimes.bunBinary(), [`${here}fetch-server.ts`]] : [runtimes.denoBinary(), runtimes.denoRunArgs(`${here}fetch-server.ts`, { env: true, read: [repository] })];
    } catch (error) {
      return `no ${target}: ${(error as Error).message}`;
    }
  }
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers (profile.ts).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  return [process.execPath, [...nodeArgs, ...extraNodeArgs, "--import", "tsx", `${here}server.ts`]];
}

/** Why `target` cannot run here (its runtime is not installed), or undefined when it can. */
export const unavailable = (target: Target): string | undefined => {
  const command = serverCommand(target);
  return typeof command === "string" ? command : undefined;
};

export interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A bench server for `sender` on `target`, pinned to CPU 1 (wrk gets CPU 0). Node targets: `nodeArgs` are added to
 * Node's, and `wrapper` (a command and its arguments, e.g. valgrind's) runs the server in its own process (same pid).
 */
export async function startServer(
  target: Target,
  sender: SenderName,
  variant: string,
  { wrapper = [], nodeArgs = [] }: { wrapper?: string[]; nodeArgs?: string[] } = {},
): Promise<Server> {
  const command = serverCommand(target, nodeArgs);
  if (typeof command === "string") throw new Error(command);
  const [program, args] = wrapper.length ? [wrapper[0]!, [...wrapper.slice(1), command[0], ...command[1]]] : command;
  // The server on one core and wrk on the other (taskset, when there are two): left to the scheduler,
  // both sometimes share a core, and a variant's numbers jump by half between runs.
  const child: ChildProcess = spawn(...pinned(1, program, args), {
    cwd: `${here}..`,
    env: { ...process.env, FRAMEWORK: target, SENDER: sender, VARIANT: variant, NODE_ENV: "bench" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const deadline = Date.now() + (wrapper.length ? 300_000 : 60_000);
  while (!/LISTENING (\d+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${sender} on ${target} (${variant}) did not start: ${out}`);
    }
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

/** A file of deliveries for provider-requests.lua, one per line; runWrk deletes it. */
export interface RequestFile {
  file: string;
  count: number;
}

/** `count` deliveries written one per line for provider-requests.lua. */
export function requestFile(prefix: string, count: number, next: (i: number) => BenchDelivery): RequestFile {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { path, headers, text } = next(i);
    lines.push([path, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), text].join("\t"));
  }
  const file = join(scratch, `${prefix}-${Math.random().toString(36).slice(2)}.tsv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, count };
}

export interface Load {
  rps: number;
  /** Server CPU time (user + system) per request. */
  cpuMicrosPerRequest: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  non2xx: number;
  /** More requests were sent than the file held, so ids repeated (answered as duplicates, still 2xx). */
  repeated: boolean;
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;

/**
 * Microseconds of user and system CPU a process (`/proc/PID/stat`) or one of its threads (`/proc/PID/task/TID/stat`)
 * has used, in clock ticks of 10 ms.
 */
export function cpuMicros(statFile: string): { user: number; system: number } {
  const fields = readFileSync(statFile, "utf8").split(") ")[1]!.split(" ");
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  const { user, system } = cpuMicros(`/proc/${pid}/stat`);
  return (user + system) / 1e6;
}

/** Runs wrk (32 connections, one thread, on CPU 0) against the server with a file of pre-built requests (deleted afterwards). */
export async function runWrk(server: Server, seconds: number, requests: RequestFile): Promise<Load> {
  const cpuBefore = cpuSeconds(server.pid);
  const output = execFileSync(
    ...pinned(0, "wrk", ["-t1", "-c32", `-d${seconds}s`, "--latency", "-s", `${here}provider-requests.lua`, `http://127.0.0.1:${server.port}`, "--", requests.file]),
    { encoding: "utf8" },
  );
  const cpuUsed = cpuSeconds(server.pid) - cpuBefore;
  rmSync(requests.file);
  const percentile = (p: string) => {
    // wrk pads some values ("1.03s "): trailing blanks allowed.
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
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
    repeated: total > requests.count,
  };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The median over rounds of `of(a[i], b[i])`, two sides' loads of the same round: this host's noise moves whole
 * rounds (up to 2×), and the sides of one round share it, so this reads steadier than a ratio of medians.
 */
export function perRound(a: Load[], b: Load[], of: (a: Load, b: Load) => number): number {
  return median(a.map((load, i) => of(load, b[i]!)));
}

/** Runs each side `rounds` times, interleaved (A B, B A, A B, …) so drift hits both alike. */
export async function interleaved<K extends string, T>(rounds: number, sides: Record<K, () => Promise<T>>): Promise<Record<K, T[]>> {
  const names = Object.keys(sides) as K[];
  const results = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) results[name].push(await sides[name]());
  }
  return results;
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

export async function flood(server: Server, warm: () => Promise<unknown>): Promise<{ baselineMb: number; peakMb: number; growthMb: number; statuses: Record<string, number> }> {
  // Warm the route first so the baseline includes a handled request's steady state.
  await warm();
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

