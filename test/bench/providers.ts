// Provider rows of `npm run bench`: a provider on each adapter's generic mount against the hand-written
// route in the same framework, best of interleaved runs (interference only ever slows a run down).
import { runWrk, startServer, type Load } from "./lib.js";

export interface ProviderRow {
  framework: string;
  oursRps: number;
  handwrittenRps: number;
  ratio: number;
  oursCpuUs: number;
  handwrittenCpuUs: number;
  non2xx: number;
}

/**
 * `script` starts one server per FRAMEWORK and VARIANT ("ours" | "handwritten"); `deliveries(seconds)`
 * writes a fresh request file for each run (ids unique within it, timestamps current).
 */
export async function benchProviderThroughput(
  framework: string,
  script: string,
  deliveries: (seconds: number) => string,
  seconds: number,
  rounds: number,
): Promise<ProviderRow> {
  const servers = { ours: await startServer(framework, "ours", script), handwritten: await startServer(framework, "handwritten", script) };
  try {
    const runs: Record<"ours" | "handwritten", Load[]> = { ours: [], handwritten: [] };
    const once = async (variant: "ours" | "handwritten", s: number) =>
      runWrk(servers[variant].port, s, deliveries(s), "provider-requests.lua", [], servers[variant].pid);
    await once("ours", 1);
    await once("handwritten", 1);
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? (["ours", "handwritten"] as const) : (["handwritten", "ours"] as const)) {
        runs[variant].push(await once(variant, seconds));
      }
    }
    const best = (variant: "ours" | "handwritten") => Math.max(...runs[variant].map((l) => l.rps));
    const cpu = (variant: "ours" | "handwritten") => Math.min(...runs[variant].map((l) => l.cpuMicrosPerRequest));
    return {
      framework,
      oursRps: best("ours"),
      handwrittenRps: best("handwritten"),
      ratio: best("ours") / best("handwritten"),
      oursCpuUs: cpu("ours"),
      handwrittenCpuUs: cpu("handwritten"),
      non2xx: [...runs.ours, ...runs.handwritten].reduce((sum, l) => sum + l.non2xx, 0),
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}
