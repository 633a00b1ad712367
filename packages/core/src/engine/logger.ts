/**
 * Where the engine and providers say what happened: warnings at start-up
 * (a key's check value, an unsafe option), failures, unknown events. Never
 * payloads, secrets or OTP codes: fields are ids, codes and counts.
 */
export interface WebhookLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function describe(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
}

/** One JSON line per entry on stderr: `{"level","source","message",…fields}`. */
export function consoleLogger(source = "siglume-middleware"): WebhookLogger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const entry: Record<string, unknown> = { level, source, message };
    if (fields) for (const key in fields) entry[key] = describe(fields[key]);
    console.error(JSON.stringify(entry));
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** Refuses at start-up a logger that lacks a method. */
export function isWebhookLogger(value: unknown): value is WebhookLogger {
  const logger = value as Partial<WebhookLogger> | null;
  return typeof logger?.info === "function" && typeof logger.warn === "function" && typeof logger.error === "function";
}
