import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bunBinary, denoBinary, denoRunArgs } from "../../scripts/lib/runtimes.mjs";

const here = fileURLToPath(new URL("..", import.meta.url));

export interface Instance {
  name: string;
  url: string;
  output(): string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The process an instance kind runs: "bun" and "deno" serve support/instance-fetch.ts on that runtime (Deno may
 * connect to and listen on loopback, and read the environment: pg and ioredis read it); any other kind is a Node
 * framework's app in `script`.
 */
function commandOf(adapter: string, script: string): [string, string[]] {
  if (adapter === "bun") return [bunBinary(), ["support/instance-fetch.ts"]];
  if (adapter === "deno") return [denoBinary(), denoRunArgs("support/instance-fetch.ts", { env: true })];
  return [process.execPath, ["--import", "tsx", script]];
}

/**
 * Starts support/instance.ts (or a Bun or Deno instance) as a separate process and resolves once it listens.
 * One process, not the tsx CLI (which forks a child): SIGKILL must reach the process holding the connections.
 */
export async function startInstance(adapter: string, env: Record<string, string>, script = "support/instance.ts"): Promise<Instance> {
  const [command, args] = commandOf(adapter, script);
  const child: ChildProcess = spawn(command, args, {
    cwd: here,
    env: { ...process.env, ...env, ADAPTER: adapter },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const waitFor = async (text: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!log.includes(text)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`instance ${adapter} never printed "${text}":\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await waitFor("LISTENING ");
  const port = /LISTENING (\d+)/.exec(log)![1];
  return {
    name: adapter,
    url: `http://127.0.0.1:${port}/webhooks/siglume`,
    output: () => log,
    waitFor,
    kill: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
