/**
 * Where the engine and providers say what happened: warnings at start-up
 * (a key's check value, an unsafe option), failures, unknown events. Never
 * payloads, secrets or OTP codes: fields are ids, codes and counts.
 */
export interface WebhookLogger {
  /** Routine events (start-up notes). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something the app should fix but that does not fail a request (e.g. `WEBHOOK_PATH_MISMATCH`). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure: a handler that threw, a store that failed, an answer that could not be written. */
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

/** A pino-style logger: methods take `(fields, message)`. Recognised by pino's `bindings()` (bunyan: `addStream`). */
function isPinoStyle(logger: object): boolean {
  const candidate = logger as { bindings?: unknown; addStream?: unknown };
  return typeof candidate.bindings === "function" || typeof candidate.addStream === "function";
}

/** For pino: an Error goes under `err`, the key its standard serializer writes out (under `error` it prints `{}`). */
function pinoFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  if (!(fields.error instanceof Error) || "err" in fields) return fields;
  const { error, ...rest } = fields;
  return { ...rest, err: error };
}

/**
 * The logger the engine writes to: the given one as it is (`info(message, fields)`), or, for pino and
 * pino-compatible loggers, called as they expect (`info(fields, message)`, an error under `err`). Every line
 * gets `trace_id` and `span_id` when a span is active (OpenTelemetry).
 */
export function engineLogger(logger: WebhookLogger, traceIds: () => Record<string, string> | undefined): WebhookLogger {
  const pino = isPinoStyle(logger);
  const line = (level: "info" | "warn" | "error") => {
    const method = (logger as unknown as Record<string, (...args: unknown[]) => void>)[level]!;
    return (message: string, fields?: Record<string, unknown>) => {
      const ids = traceIds();
      const all = ids === undefined ? fields : { ...fields, ...ids };
      if (pino) method.call(logger, pinoFields(all), message);
      else if (all === undefined) method.call(logger, message);
      else method.call(logger, message, all);
    };
  };
  return { info: line("info"), warn: line("warn"), error: line("error") };
}
