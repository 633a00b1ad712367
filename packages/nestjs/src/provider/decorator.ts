import { SetMetadata } from "@nestjs/common";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import type { WebhookHandlerMetadata } from "./discovery.js";

/** Options every handler decorator takes. */
export interface HandlerDecoratorOptions {
  /** The module instance the method belongs to, when the app mounts the provider twice (forRoot({ name })). */
  name?: string | undefined;
}

const metadataOf = (key: string, method: unknown): unknown =>
  (Reflect as unknown as { getMetadata?(key: string, target: unknown): unknown }).getMetadata?.(key, method);

/**
 * Writes a handler's metadata under `metadataKey`, for the module's discovery. A second decorator of the
 * same provider on one method would silently replace the first (Nest keeps one value per key), so it is
 * refused when the class is defined.
 */
export function handlerMetadata(metadataKey: string, metadata: object): MethodDecorator {
  const set = SetMetadata(metadataKey, metadata);
  return (target, propertyKey, descriptor) => {
    if (descriptor?.value !== undefined && metadataOf(metadataKey, descriptor.value) !== undefined) {
      const owner = (typeof target === "function" ? target.name : target.constructor?.name) ?? "A class";
      throw new SiglumeConfigurationError(
        `siglume-middleware: ${owner}.${String(propertyKey)} carries two webhook handler decorators of one provider; the ` +
          "second would silently replace the first. Give each its own method, or pass several values to one decorator " +
          '(e.g. @OnClearTxNotification("CONFIRMED", "DECLINED")).',
      );
    }
    return set(target, propertyKey, descriptor);
  };
}

export type { WebhookHandlerMetadata };
