// wrangler, as users run it on examples/cloudflare-worker: wrangler 4 requires Node 22, so it runs under
// `npx node@22` (fetched from the npm registry like any package). Each run is its own process group, stopped whole:
// wrangler dev runs workerd processes of its own.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningTarget } from "./spawn.js";

export const exampleDir = fileURLToPath(new URL("../../examples/cloudflare-worker/", import.meta.url));
const wranglerJs = join(exampleDir, "node_modules/wrangler/bin/wrangler.js");

function run(args: string[], env: Record<string, string | undefined>) {
  const scratch = mkdtempSync(join(tmpdir(), "siglume-wrangler-"));
  // NODE_ENV is what wrangler defines process.env.NODE_ENV as when set (vitest sets "test"): unset, deploy builds
  // "production" and dev "development", as for users. Metrics off; no prompts (CI).
  const { NODE_ENV: _testMode, ...inherited } = process.env;
  const child = spawn("npx", ["-y", "node@22", wranglerJs, ...args], {
    cwd: exampleDir,
    env: { ...inherited, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", WRANGLER_LOG_PATH: scratch, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => log, exited, scratch };
}

function stopGroup(child: ChildProcess, exited: Promise<unknown>): Promise<unknown> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is gone.
    }
  };
  signal("SIGTERM");
  return exited.then(() => signal("SIGKILL")); // whatever of the group outlived its leader
}

/** `wrangler deploy --dry-run --outdir <outdir>`: the bundle `wrangler deploy` would upload. */
export async function wranglerDryRun(outdir: string, env: Record<string, string | undefined> = {}): Promise<string> {
  const started = run(["deploy", "--dry-run", "--outdir", outdir], env);
  const code = await started.exited;
  rmSync(started.scratch, { recursive: true, force: true });
  if (code !== 0) throw new Error(`wrangler deploy --dry-run exited ${code}:\n${started.output()}`);
  return started.output();
}

/**
 * `wrangler dev` on 127.0.0.1:`port` with `vars` (--var), resolved once it prints "Ready on"; its local state goes
 * to a temporary directory.
 */
export async function wranglerDev(port: number, vars: Record<string, string>, { timeoutMs = 170_000 } = {}): Promise<RunningTarget> {
  const state = mkdtempSync(join(tmpdir(), "siglume-wrangler-state-"));
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const started = run(["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, ...varArgs], {});
  const stop = async () => {
    await stopGroup(started.child, started.exited);
    rmSync(state, { recursive: true, force: true });
    rmSync(started.scratch, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not get ready within ${timeoutMs} ms:\n${started.output()}`)), timeoutMs);
      const check = () => {
        if (!started.output().includes(`Ready on http://127.0.0.1:${port}`)) return;
        clearTimeout(timer);
        resolve();
      };
      started.child.stdout!.on("data", check);
      started.child.stderr!.on("data", check);
      void started.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited (${code}) before it was ready:\n${started.output()}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, output: started.output, stop };
}
