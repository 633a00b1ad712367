// Starts one of examples/<framework> as a real subprocess (used by `npm run demo` and the tests): on Node, or on
// Bun or Deno for the examples that run there; the Next.js example is built first.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.mjs";
import { RUNTIMES, bunBinary, denoBinary } from "./runtimes.mjs";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const FRAMEWORKS = ["express", "fastify", "koa", "nestjs", "hono", "nextjs"];
/** Examples that also run on Bun and Deno (their package.json has "start:bun" and "start:deno" scripts). */
export const MULTI_RUNTIME_EXAMPLES = ["hono"];
/** Examples for the other senders: each on Express or Koa, and on NestJS. */
export const SENDER_EXAMPLES = {
  adyen: ["adyen", "nestjs-adyen"],
  pomelo: ["pomelo", "nestjs-pomelo"],
  cleartx: ["cleartx", "nestjs-cleartx"],
};
export const PROVIDER_EXAMPLES = Object.values(SENDER_EXAMPLES).flat();
export const DEMO_SECRET = "whsec_demo_secret"; // the examples' embedded default

export { freePort };

/**
 * Spawns a process with its stdout and stderr going to `onOutput` as they arrive. `output()` is all of it so
 * far; `stop()` sends SIGTERM and resolves once the process is gone.
 */
function spawnLogged(command, args, options, onOutput) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const collect = (chunk) => {
    log += chunk;
    onOutput(chunk);
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { child, output: () => log, stop };
}

// Next.js must never phone home from a test or the demo.
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: "1" };
const nextBin = (cwd) => `${cwd}/node_modules/next/dist/bin/next`;
let nextBuild;

/**
 * `next build` of examples/nextjs, once per process (the other examples run from source). Resolves with
 * its output; rejects with it when the build fails. `onOutput` receives the output as it arrives.
 */
export function buildNextExample({ onOutput = () => {} } = {}) {
  nextBuild ??= new Promise((resolve, reject) => {
    const cwd = `${root}examples/nextjs`;
    const { child, output } = spawnLogged(process.execPath, [nextBin(cwd), "build"], { cwd, env: { ...process.env, ...NEXT_ENV } }, onOutput);
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(output()) : reject(new Error(`next build of examples/nextjs failed (exit ${code}):\n${output()}`))));
  });
  return nextBuild;
}

/**
 * The command that runs an example on a runtime: on Node, `tsx src/server.ts` (its "start" script); on Bun and
 * Deno, the example's own "start:bun" / "start:deno" script (so its Deno permissions are the ones users run
 * with), with the binary of the npm package. The Next.js example is `next start` on its build (run
 * `buildNextExample()` first), which is always NODE_ENV=production, on `port`.
 */
export function exampleCommand(framework, { runtime = "node", port = 0 } = {}) {
  if (!RUNTIMES.includes(runtime)) throw new Error(`unknown runtime "${runtime}": expected ${RUNTIMES.join(", ")}`);
  const cwd = `${root}examples/${framework}`;
  if (framework === "nextjs") {
    if (runtime !== "node") throw new Error("examples/nextjs runs on node (next start)");
    return { cwd, command: process.execPath, args: [nextBin(cwd), "start", "--hostname", "127.0.0.1", "--port", String(port)], env: NEXT_ENV };
  }
  if (runtime === "node") return { cwd, command: `${cwd}/node_modules/.bin/tsx`, args: ["src/server.ts"], env: {} };
  const { scripts = {} } = JSON.parse(readFileSync(`${cwd}/package.json`, "utf8"));
  const script = scripts[`start:${runtime}`];
  if (!script) throw new Error(`examples/${framework} does not run on ${runtime}: its package.json has no "start:${runtime}" script`);
  const [name, ...args] = script.split(/\s+/);
  if (name !== runtime) throw new Error(`examples/${framework}'s "start:${runtime}" must start with "${runtime}"`);
  return { cwd, command: runtime === "bun" ? bunBinary() : denoBinary(), args, env: {} };
}

/**
 * Resolves once the app prints "listening". `onOutput` receives its stdout as it arrives;
 * `output()` returns all of it so far. `port` (default: a free one) and `env` (added to the
 * environment, e.g. the sandbox's SIGLUME_API_BASE) are optional; SHOP_PUBLIC_ORIGIN is the app's own
 * origin unless `env` says otherwise; `runtime` (node, bun, deno) for the MULTI_RUNTIME_EXAMPLES. The
 * Next.js example is built first (once per process) and runs as production: it needs its settings in
 * `env` (the sandbox's), as a deployment would.
 */
export async function startExample(framework, { onOutput = () => {}, timeoutMs = 60_000, port, env: extraEnv = {}, runtime = "node" } = {}) {
  const known = [...FRAMEWORKS, ...PROVIDER_EXAMPLES];
  if (!known.includes(framework)) throw new Error(`unknown example "${framework}": expected ${known.join(", ")}`);
  if (framework === "nextjs") await buildNextExample({ onOutput });
  port ??= await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const { SIGLUME_WEBHOOK_SECRET: _ignored, ...env } = process.env;
  const { cwd, command, args, env: runEnv } = exampleCommand(framework, { runtime, port });
  const app = spawnLogged(command, args, { cwd, env: { ...env, SHOP_PUBLIC_ORIGIN: origin, ...runEnv, ...extraEnv, PORT: String(port) } }, onOutput);

  const deadline = Date.now() + timeoutMs;
  while (!app.output().includes("listening")) {
    if (app.child.exitCode !== null || Date.now() > deadline) {
      await app.stop();
      throw new Error(`the ${framework} example did not start (exit ${app.child.exitCode}):\n${app.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `${origin}/webhooks/siglume`, origin, output: app.output, stop: app.stop };
}

/**
 * Runs `siglume-webhooks sandbox` (the built CLI) delivering to `webhookUrl`; resolves once it printed
 * the environment to set, parsed into `env`.
 */
export async function startSandbox({ webhookUrl, origin, secret, onOutput = () => {}, timeoutMs = 30_000 }) {
  const port = await freePort();
  const args = ["sandbox", "--webhook-url", webhookUrl, "--origin", origin, "--port", String(port), "--secret", secret];
  const sandbox = spawnLogged(process.execPath, [`${root}packages/cli/dist/cli.js`, ...args], {}, onOutput);
  const deadline = Date.now() + timeoutMs;
  while (!sandbox.output().includes("SIGLUME_WEBHOOK_SECRET=")) {
    if (sandbox.child.exitCode !== null || Date.now() > deadline) throw new Error(`the sandbox did not start:\n${sandbox.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const env = Object.fromEntries([...sandbox.output().matchAll(/^\s*(SIGLUME_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return { url: `http://127.0.0.1:${port}`, env, stop: sandbox.stop };
}
