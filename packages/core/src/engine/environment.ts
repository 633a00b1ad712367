// What the engine reads from its host without assuming Node: environment variables and process warnings.
// workerd without nodejs_compat has no `process` at all.

interface ProcessLike {
  env?: Record<string, string | undefined>;
  emitWarning?: (message: string, options: { code: string }) => void;
}

const host = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process;

/** An environment variable, or undefined where the runtime has none (or no `process`). */
export function environment(name: string): string | undefined {
  return host()?.env?.[name];
}

/** Whether the environment says production (NODE_ENV, as Node, Bun, Deno and workerd's nodejs_compat expose it). */
export function isProduction(): boolean {
  return environment("NODE_ENV") === "production";
}

/**
 * A process warning (Node's emitWarning), else a console warning: also where `process.emitWarning` is a stub
 * that throws (Next.js's edge runtime defines every Node `process` method that way).
 */
export function emitWarning(message: string, code: string): void {
  const emit = host()?.emitWarning;
  if (typeof emit === "function") {
    try {
      emit.call(host(), message, { code });
      return;
    } catch {
      // Not Node's: fall through to the console.
    }
  }
  console.warn(`[${code}] ${message}`);
}
