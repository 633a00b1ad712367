// The built `siglume-webhooks` CLI run as a user would: a real subprocess, no TTY.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { root } from "../../scripts/lib/examples.mjs";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end, without SIGLUME_WEBHOOK_SECRET unless `env` gives it; `input` is its standard input. */
export async function runCli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const { SIGLUME_WEBHOOK_SECRET: _unset, ...env } = process.env;
  const child = spawn(process.execPath, [`${root}packages/cli/dist/cli.js`, ...args], {
    env: { ...env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.end(options.input ?? "");
  const [code] = await once(child, "close");
  return { code: code as number | null, stdout, stderr };
}
