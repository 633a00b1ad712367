import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("..", import.meta.url));

export interface Instance {
  name: string;
  url: string;
  output(): string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts support/instance.ts as a separate process and resolves once it listens. One process,
 * not the tsx CLI (which forks a child): SIGKILL must reach the process holding the connections.
 */
export async function startInstance(adapter: string, env: Record<string, string>, script = "support/instance.ts"): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], {
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
