// Async resources made per request by bench servers under wrk (promises, tick objects, timers, …), counted with an
// async_hooks init hook preloaded into each server; `--sites` also samples where the promises are made (the three
// innermost frames). Shows how many promise turns a delivery takes on each side, a cost the instruction count
// spreads thin. Not part of `npm run bench`: a maintainer's tool (docs/maintainers.md, "Measuring performance").
// The hook itself slows the server; read the counts, not its speed.
//
//   cd test && node --import tsx bench/promises-route.ts adyen koa baseline guarded ours [--sites]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deliveriesFor } from "./deliveries.js";
import { routeArguments, runWrk, startServer } from "./lib.js";

const sites = process.argv.includes("--sites");
const { sender, target, variants } = routeArguments("promises-route.ts", { flags: ["--sites"], minVariants: 1, usage: "<variant>... [--sites]" });

const dir = mkdtempSync(join(os.tmpdir(), "siglume-promises-"));
// Preloaded into the server: counts every async resource by type; SIGUSR1 starts sampling promise sites, SIGUSR2
// writes both to DIR/PID.json.
const hook = join(dir, "hook.cjs");
writeFileSync(
  hook,
  `const { createHook } = require("node:async_hooks");
const counts = {}, sites = {};
let sampling = false;
createHook({
  init(id, type) {
    counts[type] = (counts[type] || 0) + 1;
    if (!sampling || type !== "PROMISE") return;
    sampling = false; // (the stack trace below makes no promise, but stay out of any that would)
    const frames = new Error().stack.split("\\n").slice(2).filter((line) => !line.includes("async_hooks")).slice(0, 3);
    const key = frames.map((line) => line.trim().replace(/\\(.*\\/(packages|test|node_modules)\\//, "($1/")).join(" < ");
    sites[key] = (sites[key] || 0) + 1;
    sampling = true;
  },
}).enable();
process.on("SIGUSR1", () => { sampling = true; });
process.on("SIGUSR2", () => {
  sampling = false;
  require("node:fs").writeFileSync(${JSON.stringify(dir)} + "/" + process.pid + ".json", JSON.stringify({ counts, sites }));
});
`,
);

interface Snapshot {
  counts: Record<string, number>;
  sites: Record<string, number>;
}
async function snapshot(pid: number): Promise<Snapshot> {
  const file = join(dir, `${pid}.json`);
  rmSync(file, { force: true });
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 100; i++) {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Snapshot;
    } catch {
      await sleep(20); // not written yet
    }
  }
  throw new Error(`server ${pid} wrote no counts`);
}

try {
  for (const variant of variants) {
    process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS ?? ""} --require ${hook} --stack-trace-limit=12`;
    const server = await startServer(target, sender, variant);
    delete process.env.BENCH_SERVER_NODE_ARGS;
    try {
      await runWrk(server, 1, deliveriesFor(sender, 1));
      const before = await snapshot(server.pid);
      if (sites) process.kill(server.pid, "SIGUSR1");
      const load = await runWrk(server, 2, deliveriesFor(sender, 2));
      const after = await snapshot(server.pid);
      const requests = load.rps * 2;
      const perRequest = (of: Record<string, number>, earlier: Record<string, number>) =>
        Object.entries(of)
          .map(([key, n]) => [key, (n - (earlier[key] ?? 0)) / requests] as const)
          .filter(([, n]) => n >= 0.01)
          .sort((a, b) => b[1] - a[1]);
      console.log(`${variant.padEnd(10)} ${perRequest(after.counts, before.counts).map(([type, n]) => `${type} ${n.toFixed(2)}`).join(", ")}`);
      if (sites) for (const [site, n] of perRequest(after.sites, before.sites)) console.log(`  ${n.toFixed(2)}  ${site}`);
    } finally {
      await server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
