import type { WebhookLogger } from "@siglume-middleware/core";

export interface LogEntry {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every entry, for asserting what was (and was not) logged. */
export function recordingLogger(): { entries: LogEntry[]; logger: WebhookLogger } {
  const entries: LogEntry[] = [];
  const logger: WebhookLogger = {
    info: (message, fields) => void entries.push({ level: "info", message, fields }),
    warn: (message, fields) => void entries.push({ level: "warn", message, fields }),
    error: (message, fields) => void entries.push({ level: "error", message, fields }),
  };
  return { entries, logger };
}
