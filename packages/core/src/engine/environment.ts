// What the engine reads from its host without assuming Node: environment variables and process warnings.
// workerd without nodejs_compat has no `process` at all.
import { platformName } from "../platform/index.js";

interface ProcessLike {
  env?: Record<string, string | undefined>;
  emitWarning?: (message: string, options: { code: string }) => void;
}

const host = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process;

/** An environment variable, or undefined where the runtime has none (or no `process`). */
export function environment(name: string): string | undefined {
  return host()?.env?.[name];
}

/**
 * NODE_ENV, read as the literal `process.env.NODE_ENV` on purpose: bundlers replace that expression with the
 * build's mode (`wrangler deploy` with "production", `wrangler dev` with "development", Next.js and Vite alike),
 * which is how a Worker without nodejs_compat, where no `process` exists, says production. Unbundled, it is
 * read from the process (Node, Bun, Deno, workerd's nodejs_compat, whose process.env holds the Worker's vars).
 */
function nodeEnv(): string | undefined {
  try {
    return process.env.NODE_ENV;
  } catch {
    return undefined; // no `process` (workerd without nodejs_compat, a browser)
  }
}

/** Whether the environment says production: NODE_ENV, as the runtime or the bundler set it. */
export function isProduction(): boolean {
  return nodeEnv() === "production";
}

/**
 * A process warning on Node and Bun (printed to stderr; `--no-warnings` silences it), else a console
 * warning: workerd's nodejs_compat has a process.emitWarning that only emits the 'warning' event and prints
 * nothing, and Next.js's edge runtime defines every Node `process` method as a stub that throws.
 */
export function emitWarning(message: string, code: string): void {
  const emit = host()?.emitWarning;
  if (platformName === "node" && typeof emit === "function") {
    try {
      emit.call(host(), message, { code });
      return;
    } catch {
      // Not Node's: fall through to the console.
    }
  }
  console.warn(`[${code}] ${message}`);
}
