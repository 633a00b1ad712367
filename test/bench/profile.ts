// `node --import tsx bench/profile.ts <target> [sender] [variantA] [variantB]` (from test/, after a build; target
// one of express, fastify, koa, nestjs, hono, fetch; sender one of senders.ts, default siglume; variants default
// "ours" and "baseline", or "telemetry"): runs each variant's bench server under --cpu-prof with 5 s of wrk load
// and prints, per request, the CPU self time of every function in A next to B, largest difference first.
// Node targets only (Bun and Deno have no --cpu-prof). PROFILE_ROWS=N prints N functions (default 40). Not part of
// `npm run bench`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { deliveriesFor } from "./deliveries.js";
import { runWrk, startServer, type Target } from "./lib.js";
import type { SenderName } from "./senders.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [target = "koa", sender = "siglume", a = "ours", b = "baseline"] = process.argv.slice(2) as [Target, SenderName, string, string];

/** Microseconds of self time per request, by function. */
async function profile(variant: string): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(os.tmpdir(), "siglume-prof-"));
  process.env.BENCH_SERVER_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;
  const server = await startServer(target, sender, variant);
  delete process.env.BENCH_SERVER_NODE_ARGS;
  await runWrk(server, 1, deliveriesFor(sender, 1));
  const result = await runWrk(server, 5, deliveriesFor(sender, 5));
  await server.stop();
  // The main thread's profile is the largest (a loader thread writes a small one too).
  const file = readdirSync(dir)
    .map((name) => join(dir, name))
    .sort((x, y) => statSync(y).size - statSync(x).size)[0]!;
  const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
  rmSync(dir, { recursive: true, force: true });

  const requests = result.rps * 6; // the 1 s warm-up and the 5 s run, roughly
  const timeById = new Map<number, number>();
  prof.samples.forEach((id, i) => timeById.set(id, (timeById.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  for (const node of prof.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/.*node_modules\//, "").replace(/.*\/(packages|test)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${where}:${lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (timeById.get(node.id) ?? 0) / requests);
  }
  byFunction.delete("(idle) :-1");
  console.log(`${sender} on ${target} (${variant}): ${Math.round(result.rps)} req/s, ${result.cpuMicrosPerRequest.toFixed(1)} µs CPU/request`);
  return byFunction;
}

const [pa, pb] = [await profile(a), await profile(b)];
const rows = [...new Set([...pa.keys(), ...pb.keys()])].map((key) => ({ key, a: pa.get(key) ?? 0, b: pb.get(key) ?? 0 }));
rows.sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b));
console.log(`\nµs/request   ${a} − ${b}   ${a}   ${b}   function`);
for (const row of rows.slice(0, Number(process.env.PROFILE_ROWS ?? 40))) {
  console.log(`${(row.a - row.b).toFixed(2).padStart(7)} ${row.a.toFixed(2).padStart(7)} ${row.b.toFixed(2).padStart(7)}  ${row.key}`);
}
