// Instructions per delivery in process, under valgrind's callgrind: `handle()` ("ours") or the core section's guarded
// floor (the baseline's own work, the body digest and the memory store's claim and completion), no HTTP. "floor" and
// "floor-digest" count the floor alone and the floor with the digest only, so that floor, +digest, +bounded store
// and ours read as one breakdown of the core section's row. Steadier
// than the instructions section's HTTP counts (steady windows mostly agree within about 1%; read the fewest beside
// the others, as one window can still fall well below them), so it is the one to read while
// changing the engine or a provider. Not part of `npm run bench`: a maintainer's tool (docs/maintainers.md).
//
//   cd test && node --import tsx bench/count-core.ts pomelo ours [--keep DIR]
//
// "fetch" and "fetch-guarded" count the web-standard mount instead: @siglume-middleware/web's webhookFetchHandler
// against the guarded fetch route (senders.ts fetchGuarded, every guarantee), each given a fetch `Request` built
// beforehand (Node's own, as Bun, Deno and Workers hand theirs), up to the `Response`: the difference is the fetch
// mount's own work over the core's (path, header reads, body stream, Response).
//
// With --keep, the callgrind dumps (out.1 … out.5) and V8's perf map (perf.map, naming the JIT addresses that
// callgrind_annotate shows as ???:0x…) are kept in DIR for a per-function reading: bench/by-function.ts compares two.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bodyDigest, createWebhookHandler, memoryIdempotencyStore, type ClaimResult } from "@siglume-middleware/core";
import { webhookFetchHandler } from "@siglume-middleware/web";
import { coreRequestOf, prepared } from "./core.js";
import { callgrind, keepDumps, perfMap, windowCounts } from "./instructions.js";
import { commandOption } from "./lib.js";
import { fetchGuarded, GUARANTEES, senders, type SenderName } from "./senders.js";

const VARIANTS = ["ours", "guarded", "floor", "floor-digest", "fetch", "fetch-guarded"];
const [sender = "siglume", variant = "ours"] = process.argv.slice(2) as [SenderName?, string?];
const keep = commandOption("--keep");
const WARM_UP = 20_000;
const WINDOWS = 5;
const PER_WINDOW = 5_000;

if (process.env.COUNT_CORE_CHILD === undefined) {
  if (!(sender in senders) || !VARIANTS.includes(variant)) {
    console.error(`usage: node --import tsx bench/count-core.ts <sender> <${VARIANTS.join("|")}> [--keep DIR]`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(os.tmpdir(), "siglume-count-core-"));
  try {
    // V8 without background threads: compilation and collection run on the counted thread, on no timing of their own.
    const [valgrind, ...valgrindArgs] = callgrind(dir);
    const child = spawnSync(
      valgrind!,
      [...valgrindArgs, process.execPath, "--single-threaded", "--perf-basic-prof", `--logfile=${dir}/v8.log`, "--no-logfile-per-isolate", ...process.execArgv, ...process.argv.slice(1)],
      { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, COUNT_CORE_CHILD: "1" } },
    );
    if (child.status !== 0) throw new Error(`the counted process failed (${child.error?.message ?? `status ${child.status}`}); is valgrind installed (node scripts/ensure-tools.mjs valgrind)?`);
    const perWindow = windowCounts(dir, WINDOWS, PER_WINDOW);
    console.log(`${sender} ${variant}: ${perWindow.map((k) => k.toFixed(1)).join(", ")} k instructions per delivery by window; fewest ${Math.min(...perWindow).toFixed(1)}`);
    if (keep !== undefined) {
      keepDumps(dir, keep, child.pid, { sender, variant, warmUp: WARM_UP, windows: WINDOWS, perWindow: PER_WINDOW });
      console.log(`dumps and perf map kept in ${keep}: compare two with bench/by-function.ts`);
    }
    rmSync(perfMap(child.pid), { force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const run = promisify(execFile);
  const { ours, handWritten, guarded, path } = senders[sender];
  const handler = createWebhookHandler(await ours("ours"));
  const floor = await handWritten();
  const fetch =
    variant === "fetch"
      ? webhookFetchHandler(await ours("ours"))
      : variant === "fetch-guarded"
        ? fetchGuarded(path, (await guarded?.(GUARANTEES.length)) ?? missing())
        : undefined;
  const store = memoryIdempotencyStore();
  const completed = { outcome: "handled" };
  let next = 0;
  let refused = 0;
  // The requests are built before they are counted: the count is handle()'s (or the guarded floor's) alone.
  const ready = (count: number) =>
    prepared(sender, count).map((delivery) => ({
      delivery,
      request: coreRequestOf(handler, delivery),
      web: fetch && new Request(`http://127.0.0.1${delivery.path}`, { method: "POST", headers: delivery.headers, body: delivery.body }),
    }));
  const deliver = async ({ delivery, request, web }: ReturnType<typeof ready>[number]) => {
    if (fetch !== undefined) {
      if ((await fetch(web!)).status >= 300) refused++;
      return;
    }
    if (variant === "ours") {
      if ((await handler.handle(request)).status >= 300) refused++;
      return;
    }
    floor(delivery.body, (name) => delivery.headers[name]);
    if (variant === "floor") return;
    const digest = bodyDigest(delivery.body) as string;
    if (variant === "floor-digest") return;
    const claimed = store.claim(`${sender}:${next++}`, { type: "bench", digest }) as ClaimResult;
    if (claimed.status === "claimed") claimed.claim.complete(completed);
  };
  for (const item of ready(WARM_UP)) await deliver(item);
  const windows = Array.from({ length: WINDOWS }, () => ready(PER_WINDOW));
  // callgrind_control reaches this process while it waits for the child (valgrind serves it between guest steps).
  await run("callgrind_control", ["--instr=on", String(process.pid)]);
  for (const window of windows) {
    for (const item of window) await deliver(item);
    await run("callgrind_control", ["--dump", String(process.pid)]);
  }
  if (refused > 0) throw new Error(`${refused} deliveries were refused: the count is not of accepted deliveries`);
}

function missing(): never {
  throw new Error(`${sender} has no guarded route`);
}
