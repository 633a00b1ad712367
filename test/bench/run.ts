// `npm run bench [-- options]`: every number on this machine, in this run; writes docs/bench-latest.{md,json}.
//   --quick            2 rounds of 1 s (smoke runs; numbers mean little)
//   --section a,b      only these sections: core, routes, guarantees, instructions, telemetry, deadline, stores, flood
//   --rows REGEX       only the route rows whose "sender/target" matches (e.g. "siglume/", "/fastify")
//   --no-write         print only (quick and partial runs never write docs/)
//   --json FILE        also write the JSON report to FILE
// Not part of `npm test`: timing belongs here, never in a test.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchCore, type CoreRow } from "./core.js";
import { benchAdyenDeadline, DEADLINE_SLACK_MS, type DeadlineRow } from "./deadline.js";
import { deliveriesFor } from "./deliveries.js";
import { commandOption, flood, NODE_TARGETS, runWrk, startServer, unavailable, type Target } from "./lib.js";
import { benchGuarantees, GUARANTEE_ROWS, type GuaranteeRow } from "./guarantees.js";
import { benchInstructions, SECTION_COUNTING, countingUnavailable, type InstructionRow } from "./instructions.js";
import { benchRoute, TARGETS, type RouteRow } from "./routes.js";
import { ADYEN, GUARANTEES, SENDERS, senders, STANDARD_MODULES, type SenderName } from "./senders.js";
import { benchPostgres, benchRedis, type StoreRow } from "./stores.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const sections = new Set((commandOption("--section") ?? "core,routes,guarantees,instructions,telemetry,deadline,stores,flood").split(","));
const rowFilter = new RegExp(commandOption("--rows") ?? "");
const partial = quick || commandOption("--section") !== undefined || commandOption("--rows") !== undefined;
const write = !args.includes("--no-write") && !partial;
// Relative to where `npm run bench` was typed, not to this package.
const jsonFile = commandOption("--json") && resolve(process.env.INIT_CWD ?? process.cwd(), commandOption("--json")!);
const ROUNDS = quick ? 2 : 5;
const SECONDS = quick ? 1 : 3;
const TARGET_RATIO = 0.9;
const log = (line: string) => process.stderr.write(`${line}\n`);

if (spawnSync("sh", ["-c", "command -v wrk"]).status !== 0) {
  console.error("error: the benchmark drives servers with wrk: install it (apt-get install wrk) and run again.");
  process.exit(2);
}

const started = Date.now();
const loadAverage = () => os.loadavg().map((n) => Math.round(n * 10) / 10);
const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
  date: new Date().toISOString(),
  loadAverageAtStart: loadAverage(),
  loadAverageAtEnd: [] as number[],
};

// ---------- what runs ----------

/**
 * Route rows: every sender on every target (Bun and Deno where test/ has them). Deno is reported, not held to the
 * ratio (issue 16). A new sender is one line here and its entry in senders.ts and deliveries.ts.
 */
const ALL_TARGETS: readonly Target[] = [...NODE_TARGETS, "bun", "deno"];
const ROUTES: [SenderName, readonly Target[]][] = [
  ["siglume", ALL_TARGETS],
  ["adyen", ALL_TARGETS],
  ["pomelo", ALL_TARGETS],
  ["cleartx", ALL_TARGETS],
  ["standard", ALL_TARGETS],
];
const reportOnly = (target: Target) => target === "deno";
/** Issue 17: Siglume and Pomelo carry the store target; what a decision plan costs is reported beside them. */
const reportOnlyStore = (row: StoreRow) => row.store.includes("Adyen");

/** Why `sender` cannot run on `target` in this checkout (Standard Webhooks comes from another branch), or undefined. */
async function senderMissing(sender: SenderName, target: Target): Promise<string | undefined> {
  if (sender !== "standard") return undefined;
  for (const name of target === "nestjs" ? [STANDARD_MODULES.provider, STANDARD_MODULES.nest] : [STANDARD_MODULES.provider]) {
    try {
      await import(name);
    } catch {
      return `${name} is not installed in test/`;
    }
  }
  return undefined;
}

// ---------- run ----------

const report: Record<string, unknown> = { machine, quick, rounds: ROUNDS, secondsPerRun: SECONDS };
const skipped: { row: string; reason: string }[] = [];
/** Rows that threw: reported (and failing the run's targets) rather than ending a run of many minutes. */
const failed: { row: string; error: string }[] = [];
async function attempt<T>(row: string, measure: () => Promise<T>): Promise<T | undefined> {
  try {
    return await measure();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failed.push({ row, error: message });
    log(`${row}: FAILED: ${message}`);
    return undefined;
  }
}
const add = <T>(list: T[], value: T | undefined) => value !== undefined && list.push(value);

let core: CoreRow[] = [];
if (sections.has("core")) {
  log("core: createWebhookHandler().handle() in process vs the floor");
  const perRound = quick ? 3000 : 20_000;
  // Siglume carries the target; the other senders are reported beside it.
  for (const sender of SENDERS) {
    const reason = await senderMissing(sender, "fetch");
    if (reason) skipped.push({ row: `core/${sender}`, reason });
    else add(core, await attempt(`core/${sender}`, () => benchCore(sender, { rounds: ROUNDS, perRound })));
  }
}

const routes: RouteRow[] = [];
if (sections.has("routes")) {
  for (const [sender, targets] of ROUTES) {
    for (const target of targets) {
      const row = `${sender}/${target}`;
      if (!rowFilter.test(row)) continue;
      const reason = (await senderMissing(sender, target)) ?? unavailable(target);
      if (reason) {
        skipped.push({ row, reason });
        log(`route ${row}: not run (${reason})`);
        continue;
      }
      log(`route ${row}: ${ROUNDS} interleaved rounds of ${SECONDS} s`);
      add(routes, await attempt(`route ${row}`, () => benchRoute(sender, target, { rounds: ROUNDS, seconds: SECONDS })));
    }
  }
}

const guarantees: GuaranteeRow[] = [];
if (sections.has("guarantees")) {
  for (const [sender, target] of GUARANTEE_ROWS) {
    const row = `${sender}/${target}`;
    if (!rowFilter.test(row)) continue;
    const reason = unavailable(target);
    if (reason) {
      skipped.push({ row: `guarantees/${row}`, reason });
      continue;
    }
    log(`guarantees ${row}: the baseline, each guarantee added, ours; ${ROUNDS} interleaved rounds of ${SECONDS} s`);
    add(guarantees, await attempt(`guarantees ${row}`, () => benchGuarantees(sender, target, { rounds: ROUNDS, seconds: SECONDS })));
  }
}

const instructions: InstructionRow[] = [];
const COUNTED_TARGETS: readonly Target[] = ["fastify", "koa", "nestjs"];
if (sections.has("instructions")) {
  const reason = countingUnavailable();
  for (const [sender, target] of GUARANTEE_ROWS) {
    const row = `${sender}/${target}`;
    if (!rowFilter.test(row)) continue;
    // The rows timed ladders alone could not settle (Fastify, Koa, NestJS); the fetch runtimes' rows are timed only,
    // which keeps the section near 20 minutes (Bun's and Deno's servers are not Node processes in any case).
    if (!COUNTED_TARGETS.includes(target)) continue;
    if (reason) {
      skipped.push({ row: `instructions/${row}`, reason });
      continue;
    }
    log(`instructions ${row}: baseline, guarded and ours under callgrind`);
    add(instructions, await attempt(`instructions ${row}`, () => benchInstructions(sender, target, quick ? { warmUp: 300, windows: 3, perWindow: 100 } : SECTION_COUNTING)));
  }
}

let telemetry: RouteRow | undefined;
if (sections.has("telemetry")) {
  log("telemetry: Siglume on Express, OpenTelemetry SDK registered vs telemetry: false");
  telemetry = await attempt("telemetry", () => benchRoute("siglume", "express", { rounds: ROUNDS, seconds: SECONDS, variants: ["telemetry", "telemetry-off"] }));
}

const deadlines: DeadlineRow[] = [];
if (sections.has("deadline")) {
  for (const target of ALL_TARGETS) {
    const reason = unavailable(target);
    if (reason) {
      skipped.push({ row: `deadline/${target}`, reason });
      continue;
    }
    log(`deadline: Adyen on ${target}, 200 relayed requests at once, 5 s handler`);
    add(deadlines, await attempt(`deadline/${target}`, () => benchAdyenDeadline(target)));
  }
}

const stores: StoreRow[] = [];
if (sections.has("stores")) {
  log("stores: PostgreSQL and Redis vs the hand-written transaction");
  const options = quick ? { rounds: ROUNDS, perRound: 500 } : { rounds: ROUNDS };
  stores.push(...((await attempt("stores/postgres", () => benchPostgres(options))) ?? []));
  add(stores, await attempt("stores/redis", () => benchRedis(options)));
}

const floods: ({ target: Target } & Awaited<ReturnType<typeof flood>>)[] = [];
if (sections.has("flood")) {
  for (const target of NODE_TARGETS) {
    log(`flood: 20 clients × 3 chunked 50 MB bodies against Siglume on ${target}`);
    const measured = await attempt(`flood/${target}`, async () => {
      const server = await startServer(target, "siglume", "ours");
      try {
        return { target, ...(await flood(server, () => runWrk(server, 1, deliveriesFor("siglume", 1)))) };
      } finally {
        await server.stop();
      }
    });
    add(floods, measured);
  }
}

// ---------- checks ----------

const gated = routes.filter((row) => !reportOnly(row.target));
const targets: Record<string, boolean> = {};
const coreSiglume = core.find((row) => row.sender === "siglume");
if (coreSiglume) targets[`core: Siglume ≥ ${TARGET_RATIO} of the floor`] = coreSiglume.ratio >= TARGET_RATIO;
if (core.length) targets["core: every delivery answered 2xx"] = core.every((row) => row.refused === 0);
if (gated.length) targets[`routes: every row ≥ ${TARGET_RATIO} of its baseline (Deno reported only)`] = gated.every((row) => row.ratio >= TARGET_RATIO);
if (routes.length || telemetry) targets["routes: every valid delivery answered 2xx"] = [...routes, ...(telemetry ? [telemetry] : [])].every((row) => row.non2xx === 0);
if (guarantees.length) targets["guarantees: every valid delivery answered 2xx"] = guarantees.every((row) => row.steps.every((step) => step.non2xx === 0));
if (deadlines.length) targets[`Adyen deadline: every answer "refused" within decisionTimeoutMs + ${DEADLINE_SLACK_MS} ms`] = deadlines.every((row) => row.allRefused && row.withinDeadline);
if (stores.length) {
  targets[`stores: ≥ ${TARGET_RATIO} of the hand-written transaction (Adyen decisions reported only)`] = stores.every(
    (row) => reportOnlyStore(row) || row.ratio >= TARGET_RATIO,
  );
  targets["stores: every order paid exactly once"] = stores.every((row) => row.everyOrderPaidOnce);
}
if (floods.length) targets["flood: RSS growth ≤ 50 MB"] = floods.every((row) => row.growthMb <= 50);
targets["every section that ran finished without an error"] = failed.length === 0;
Object.assign(report, { core, routes, guarantees, instructions, skipped, failed, telemetry, deadlines, stores, floods, targets });
machine.loadAverageAtEnd = loadAverage();
report.seconds = Math.round((Date.now() - started) / 1000);

// ---------- output ----------

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** A difference with its sign: "+1.5", "−0.3". */
const signed = (value: number, digits = 1) => `${value >= 0 ? "+" : "−"}${fmt(Math.abs(value), digits)}`;
const ratio = (value: number, gate: boolean) => (gate ? `${fmt(value, 2)} ${value >= TARGET_RATIO ? "✓" : "✗"}` : fmt(value, 2));
function table(title: string, notes: string[], header: string[], rows: (string | number)[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => `| ${cells.map((c, i) => String(c).padEnd(widths[i]!)).join(" | ")} |`;
  return [`## ${title}`, "", ...notes, ...(notes.length ? [""] : []), line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line), ""].join("\n");
}

const parts: string[] = [];
if (core.length)
  parts.push(
    table(
      "Core",
      [`In process, no HTTP, body already read, memory store: \`createWebhookHandler(provider).handle()\` per delivery vs the floor (the baseline's own work), and vs the floor plus the two guarantees the floor lacks (a body digest per id, for reused-id review; the bounded memory store's claim and completion instead of a Map that grows without end). Medians of ${ROUNDS} interleaved rounds. Target: Siglume ≥ ${TARGET_RATIO} of the floor.`],
      ["sender", "handle() µs", "floor µs", "ratio (floor/ours)", "floor + digest + bounded store µs", "ratio (that/ours)", "non-2xx", "floor"],
      core.map((row) => [
        senders[row.sender].title,
        fmt(row.oursUs, 2),
        fmt(row.floorUs, 2),
        ratio(row.ratio, row.sender === "siglume"),
        fmt(row.guardedUs, 2),
        fmt(row.guardedUs / row.oursUs, 2),
        row.refused,
        row.floor,
      ]),
    ),
  );
for (const [sender] of ROUTES) {
  const rows = routes.filter((row) => row.sender === sender);
  const notRun = skipped.filter((s) => s.row.startsWith(`${sender}/`));
  if (!rows.length && !notRun.length) continue;
  parts.push(
    table(
      `${senders[sender].title}: routes`,
      [
        `wrk, 32 connections, unique signed deliveries; req/s, server CPU µs/request and p99 ms are medians of ${ROUNDS} interleaved rounds of ${SECONDS} s. Ratio = median(ours req/s) / median(baseline req/s); target ≥ ${TARGET_RATIO}${sender === "siglume" ? " (Deno: reported only)" : ""}. Per round = the median over rounds of ours/baseline req/s within one round, steadier on a noisy host (both sides of a round share its noise).`,
      ],
      ["target", "ours req/s", "baseline req/s", "ratio", "per round", "CPU µs ours", "CPU µs baseline", "p99 ms ours / baseline", "non-2xx", "baseline"],
      [
        ...rows.map((row) => [
          TARGETS[row.target].title,
          fmt(row.oursRps),
          fmt(row.baselineRps),
          ratio(row.ratio, !reportOnly(row.target)),
          fmt(row.roundRatio, 2),
          fmt(row.oursCpuUs, 1),
          fmt(row.baselineCpuUs, 1),
          `${fmt(row.oursP99, 1)} / ${fmt(row.baselineP99, 1)}`,
          `${row.non2xx}${row.idsRepeated ? " (ids repeated)" : ""}`,
          row.baseline,
        ]),
        ...notRun.map((s) => [TARGETS[s.row.split("/")[1] as Target].title, "not run", "", "", "", "", "", "", "", s.reason]),
      ],
    ),
  );
}
if (guarantees.length)
  parts.push(
    table(
      "What the guarantees cost",
      [
        `Where a route stays below its baseline: the same wrk load on six servers, interleaved, ${ROUNDS} rounds of ${SECONDS} s. The hand-written baseline, then the same route with each guarantee ours keeps added in turn (bench/senders.ts \`guardedIds\`, written plainly, with the core's memory store, body digest and shared deadlines), then ours. Each cell is the median server CPU µs per request and, in brackets, what that step adds: the median over rounds of its CPU minus the step before's in the same round. On NestJS, Nest's parser reads the body on every server (as ours reads it there), so the first step adds nothing but noise. On Hono, the fetch handler and Bun, the read's timeout races \`request.arrayBuffer()\` against a deadline (senders.ts \`readWithDeadline\`).`,
        "",
        ...GUARANTEES.map((text, i) => `${i + 1}. ${text}`),
        "",
        "Ratios are of median req/s: guarded (all four) against the baseline is what the guarantees cost; ours against guarded is what is left beyond them (also per round, as in the routes tables).",
      ],
      ["route", "baseline", ...GUARANTEES.map((_, i) => `+${i + 1}`), "ours", "guarded / baseline", "ours / guarded", "per round", "ours / baseline", "non-2xx"],
      guarantees.map((row) => {
        const rps = (variant: string) => row.steps.find((step) => step.variant === variant)!.rps;
        return [
          `${senders[row.sender].title} on ${TARGETS[row.target].title}`,
          ...row.steps.map((step, i) => (i === 0 ? fmt(step.cpuUs, 1) : `${fmt(step.cpuUs, 1)} (${signed(step.addsCpuUs)})`)),
          fmt(rps("guarded") / rps("baseline"), 2),
          fmt(row.oursToGuarded, 2),
          fmt(row.oursToGuardedPerRound, 2),
          fmt(rps("ours") / rps("baseline"), 2),
          row.steps.reduce((sum, step) => sum + step.non2xx, 0),
        ];
      }),
    ),
  );
if (instructions.length)
  parts.push(
    table(
      "What the guarantees cost, in instructions",
      [
        `The same routes counted instead of timed: each server under valgrind's callgrind, ${instructions[0]!.warmUp.toLocaleString("en-US")} deliveries to warm up uncounted, then ${instructions[0]!.windows} windows of ${instructions[0]!.perWindow.toLocaleString("en-US")} counted apart (8 keep-alive connections); each cell is the fewest of its windows, the steady state (a window holding a full garbage collection or a burst of compilation counts tens of thousands more per request, never fewer; the JSON keeps every window). Thousands of instructions per request, the whole server process (framework, Node, garbage collection), V8 without its background threads (\`--single-threaded\`). A server's steady windows agree within a few per cent whatever else the host runs, where a timed round moves by up to 2×; it does not see cache misses or memory stalls.`,
      ],
      ["route", "baseline", "guarded", "ours", "guarded / baseline", "ours / guarded"],
      instructions.map(({ sender, target, kiloPerRequest: k }) => [
        `${senders[sender].title} on ${TARGETS[target].title}`,
        fmt(k.baseline, 1),
        `${fmt(k.guarded, 1)} (${signed(k.guarded - k.baseline)})`,
        `${fmt(k.ours, 1)} (${signed(k.ours - k.guarded)})`,
        fmt(k.guarded / k.baseline, 2),
        fmt(k.ours / k.guarded, 2),
      ]),
    ),
  );
if (telemetry)
  parts.push(
    table(
      "Telemetry (issue 18)",
      [
        "Siglume on Express with the OpenTelemetry SDK registered (AsyncLocalStorage context manager, BatchSpanProcessor to an exporter that drops, MeterProvider with a periodic reader to memory) vs the same mount with `telemetry: false`. Cost = the difference in median server CPU per delivery.",
      ],
      ["target", "on req/s", "off req/s", "ratio", "CPU µs on", "CPU µs off", "cost µs/delivery", "non-2xx"],
      [[TARGETS.express.title, fmt(telemetry.oursRps), fmt(telemetry.baselineRps), fmt(telemetry.ratio, 2), fmt(telemetry.oursCpuUs, 1), fmt(telemetry.baselineCpuUs, 1), fmt(telemetry.oursCpuUs - telemetry.baselineCpuUs, 1), telemetry.non2xx]],
    ),
  );
if (deadlines.length)
  parts.push(
    table(
      "Adyen deadline",
      [
        `200 relayed authentications at once, each on its own connection, to a handler that takes 5 s; decisionTimeoutMs ${ADYEN.decisionTimeoutMs}. Milliseconds from each request's arrival (written to the loopback socket) to its answer; the client runs on the same 2 cores. Target: every answer "refused", p100 ≤ ${ADYEN.decisionTimeoutMs + DEADLINE_SLACK_MS} ms.`,
      ],
      ["target", "all refused", "p50 ms", "p100 ms", `≤ ${fmt(ADYEN.decisionTimeoutMs + DEADLINE_SLACK_MS)} ms`],
      deadlines.map((row) => [TARGETS[row.target].title, row.allRefused ? "yes" : "NO", fmt(row.p50Ms), fmt(row.maxMs), row.withinDeadline ? "✓" : "✗"]),
    ),
  );
if (stores.length)
  parts.push(
    table(
      "Stores",
      [
        `In process, 16 concurrent deliveries, pool 10, fsync on; events/s are medians of ${ROUNDS} interleaved rounds. Hand-written: PostgreSQL \`BEGIN; INSERT … ON CONFLICT DO NOTHING RETURNING; UPDATE orders; COMMIT\`; Redis \`SET NX PX; handler; SET done\`. Target ≥ ${TARGET_RATIO}, every order paid once. Adyen decisions: relayed authentications whose handler's UPDATE runs in the store's transaction, against the same hand-written transaction plus Basic auth, HMAC and the decision (reported only: what a decision plan costs).`,
      ],
      ["store", "ours events/s", "hand-written events/s", "ratio", "events", "every order paid once"],
      stores.map((row) => [row.store, fmt(row.oursPerSec), fmt(row.handwrittenPerSec), ratio(row.ratio, !reportOnlyStore(row)), fmt(row.events), row.everyOrderPaidOnce ? "yes" : "NO"]),
    ),
  );
if (floods.length)
  parts.push(
    table(
      "Memory under oversized bodies",
      ["20 clients × 3 chunked 50 MB bodies against the Siglume route (limit 1 MiB). Target: RSS growth ≤ 50 MB."],
      ["target", "RSS before MB", "RSS peak MB", "growth MB", "answers"],
      floods.map((row) => [TARGETS[row.target].title, fmt(row.baselineMb, 1), fmt(row.peakMb, 1), fmt(row.growthMb, 1), JSON.stringify(row.statuses)]),
    ),
  );
parts.push(["## Targets", "", ...Object.entries(targets).map(([name, met]) => `- ${met ? "✓" : "✗"} ${name}`), ""].join("\n"));
if (failed.length) parts.push(["## Failed", "", ...failed.map(({ row, error }) => `- ${row}: ${error.split("\n")[0]}`), ""].join("\n"));
if (skipped.length) parts.push(["## Not run", "", ...skipped.map(({ row, reason }) => `- ${row}: ${reason}`), ""].join("\n"));

const header = [
  "# Latest `npm run bench` output",
  "",
  `${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.date}, ${report.seconds} s${quick ? ", --quick" : ""}.`,
  `Load average (1/5/15 min) at the start ${machine.loadAverageAtStart.join(" / ")}, at the end ${machine.loadAverageAtEnd.join(" / ")}: a run is only worth reading when the machine was otherwise idle. How to read it: [performance.md](performance.md).`,
  "",
].join("\n");
const markdown = `${header}\n${parts.join("\n")}`;
process.stdout.write(markdown);
const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
const json = `${JSON.stringify(report, null, 2)}\n`;
if (write) {
  writeFileSync(`${docs}bench-latest.md`, markdown);
  writeFileSync(`${docs}bench-latest.json`, json);
  log("wrote docs/bench-latest.md and docs/bench-latest.json");
}
if (jsonFile) writeFileSync(jsonFile, json);
