// Types for examples.mjs, which the tests share with `npm run demo`.
import type { Runtime } from "./runtimes.mjs";
export const root: string;
export const FRAMEWORKS: readonly ("express" | "fastify" | "koa" | "nestjs" | "hono" | "nextjs")[];
/** Examples that also run on Bun and Deno. */
export const MULTI_RUNTIME_EXAMPLES: readonly "hono"[];
/** Each sender's examples: on Express or Koa, and on NestJS. */
export const SENDER_EXAMPLES: {
  readonly adyen: readonly ["adyen", "nestjs-adyen"];
  readonly pomelo: readonly ["pomelo", "nestjs-pomelo"];
  readonly cleartx: readonly ["cleartx", "nestjs-cleartx"];
};
export const PROVIDER_EXAMPLES: readonly ("adyen" | "pomelo" | "cleartx" | "nestjs-adyen" | "nestjs-pomelo" | "nestjs-cleartx")[];
export const DEMO_SECRET: string;
export { freePort } from "./ports.mjs";
export interface RunningExample {
  url: string;
  origin: string;
  output(): string;
  stop(): Promise<void>;
}
/** `next build` of examples/nextjs, once per process; resolves with its output. */
export function buildNextExample(options?: { onOutput?: (chunk: string) => void }): Promise<string>;
/** The command that runs an example on a runtime (Node: tsx; Bun and Deno: the example's start:<runtime> script; Next.js: next start on `port`). */
export function exampleCommand(
  framework: string,
  options?: { runtime?: Runtime; port?: number },
): { cwd: string; command: string; args: string[]; env: Record<string, string> };
export function startExample(
  framework: string,
  options?: { onOutput?: (chunk: string) => void; timeoutMs?: number; port?: number; env?: Record<string, string>; runtime?: Runtime },
): Promise<RunningExample>;
export function startSandbox(options: {
  webhookUrl: string;
  origin: string;
  secret: string;
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
}): Promise<{ url: string; env: Record<string, string>; stop(): Promise<void> }>;
