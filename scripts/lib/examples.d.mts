// Types for examples.mjs, which the tests share with `npm run demo`.
export const root: string;
export const FRAMEWORKS: readonly ("express" | "fastify" | "koa" | "nestjs" | "nextjs")[];
export const PROVIDER_EXAMPLES: readonly ("adyen" | "pomelo" | "cleartx")[];
export const DEMO_SECRET: string;
export { freePort } from "./ports.mjs";
export interface RunningExample {
  url: string;
  origin: string;
  output(): string;
  stop(): Promise<void>;
}
export function buildNextExample(options?: { onOutput?: (chunk: string) => void }): Promise<string>;
export function exampleCommand(
  framework: string,
  port: number,
): { cwd: string; command: string; args: string[]; env: Record<string, string> };
export function startExample(
  framework: string,
  options?: { onOutput?: (chunk: string) => void; timeoutMs?: number; port?: number; env?: Record<string, string> },
): Promise<RunningExample>;
export function startSandbox(options: {
  webhookUrl: string;
  origin: string;
  secret: string;
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
}): Promise<{ url: string; env: Record<string, string>; stop(): Promise<void> }>;
