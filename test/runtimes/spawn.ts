// Starts a runtime (node, bun, deno, workerd) running a smoke entry as a real subprocess, and resolves once it
// printed "LISTENING <port>" (or what `listening` matches, its first group the port). Ports come from
// scripts/lib/ports.mjs (outside the kernel's ephemeral range).
import { spawn } from "node:child_process";
import { freePort } from "../support/servers.js";
import type { SmokeTarget } from "./cases.js";

export interface RunningTarget extends SmokeTarget {
  output(): string;
  stop(): Promise<void>;
}

export async function startTarget(
  name: string,
  command: string,
  args: (port: number) => string[],
  {
    env = {},
    cwd,
    timeoutMs = 60_000,
    listening: listeningPattern = /LISTENING (\d+)/,
    port: chosenPort,
  }: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; listening?: RegExp; port?: number } = {},
): Promise<RunningTarget> {
  const port = chosenPort ?? (await freePort());
  const child = spawn(command, args(port), { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print LISTENING within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const check = () => {
      const match = listeningPattern.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${log}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${listening}`, output: () => log, stop };
}
