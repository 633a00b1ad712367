import type { Logger } from "@nestjs/common";
import type { WebhookLogger } from "@siglume-middleware/core";

/**
 * The engine's lines through Nest's `Logger` (so through the app's LoggerService, e.g. nestjs-pino, once
 * `app.useLogger()` or NestFactory's `logger` set one), under the module's name; fields follow the message.
 * The modules' default when their options name no `logger`.
 */
export function nestWebhookLogger(logger: Logger): WebhookLogger {
  return {
    info: (message, fields) => (fields === undefined ? logger.log(message) : logger.log(message, fields)),
    warn: (message, fields) => (fields === undefined ? logger.warn(message) : logger.warn(message, fields)),
    error: (message, fields) => (fields === undefined ? logger.error(message) : logger.error(message, fields)),
  };
}
