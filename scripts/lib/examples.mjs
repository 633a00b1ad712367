// Starts one of examples/<framework> as a real subprocess (used by `npm run demo` and the CLI tests).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.mjs";
import { RUNTIMES, bunBinary, denoBinary } from "./runtimes.mjs";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const FRAMEWORKS = ["express", "fastify", "koa", "nestjs", "hono"];
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
 * The command that runs an example on a runtime: on Node, `tsx src/server.ts` (its "start" script); on Bun and
 * Deno, the example's own "start:bun" / "start:deno" script (so its Deno permissions are the ones users run
 * with), with the binary of the npm package.
 */
export function exampleCommand(framework, runtime = "node") {
  if (!RUNTIMES.includes(runtime)) throw new Error(`unknown runtime "${runtime}": expected ${RUNTIMES.join(", ")}`);
  const cwd = `${root}examples/${framework}`;
  if (runtime === "node") return { command: `${cwd}/node_modules/.bin/tsx`, args: ["src/server.ts"], cwd };
  const { scripts = {} } = JSON.parse(readFileSync(`${cwd}/package.json`, "utf8"));
  const script = scripts[`start:${runtime}`];
  if (!script) throw new Error(`examples/${framework} does not run on ${runtime}: its package.json has no "start:${runtime}" script`);
  const [name, ...args] = script.split(/\s+/);
  if (name !== runtime) throw new Error(`examples/${framework}'s "start:${runtime}" must start with "${runtime}"`);
  return { command: runtime === "bun" ? bunBinary() : denoBinary(), args, cwd };
}

/**
 * Resolves once the app prints "listening". `onOutput` receives its stdout as it arrives;
 * `output()` returns all of it so far. `port` (default: a free one) and `env` (added to the
 * environment, e.g. the sandbox's SIGLUME_API_BASE) are optional; `runtime` (node, bun, deno) for the
 * MULTI_RUNTIME_EXAMPLES.
 */
export async function startExample(framework, { onOutput = () => {}, timeoutMs = 60_000, port, env: extraEnv = {}, runtime = "node" } = {}) {
  const known = [...FRAMEWORKS, ...PROVIDER_EXAMPLES];
  if (!known.includes(framework)) throw new Error(`unknown example "${framework}": expected ${known.join(", ")}`);
  port ??= await freePort();
  const { SIGLUME_WEBHOOK_SECRET: _ignored, ...env } = process.env;
  const { command, args, cwd } = exampleCommand(framework, runtime);
  const child = spawn(command, args, {
    cwd,
    env: { ...env, ...extraEnv, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
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

  const deadline = Date.now() + timeoutMs;
  while (!log.includes("listening")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the ${framework} example did not start (exit ${child.exitCode}):\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}/webhooks/siglume`, origin: `http://127.0.0.1:${port}`, output: () => log, stop };
}

/**
 * Runs `siglume-webhooks sandbox` (the built CLI) delivering to `webhookUrl`; resolves once it printed
 * the environment to set, parsed into `env`.
 */
export async function startSandbox({ webhookUrl, origin, secret, onOutput = () => {}, timeoutMs = 30_000 }) {
  const port = await freePort();
  const args = ["sandbox", "--webhook-url", webhookUrl, "--origin", origin, "--port", String(port), "--secret", secret];
  const child = spawn(process.execPath, [`${root}packages/cli/dist/cli.js`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const collect = (chunk) => {
    log += chunk;
    onOutput(chunk);
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  const deadline = Date.now() + timeoutMs;
  while (!log.includes("SIGLUME_WEBHOOK_SECRET=")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the sandbox did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const env = Object.fromEntries([...log.matchAll(/^\s*(SIGLUME_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return {
    url: `http://127.0.0.1:${port}`,
    env,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
