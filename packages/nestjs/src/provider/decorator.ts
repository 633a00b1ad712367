import { SetMetadata } from "@nestjs/common";
import type { WebhookHandlerMetadata } from "./discovery.js";

/** Options every handler decorator takes. */
export interface HandlerDecoratorOptions {
  /** The module instance the method belongs to, when the app mounts the provider twice (forRoot({ name })). */
  name?: string | undefined;
}

/** Writes a handler's metadata under `metadataKey`, for the module's discovery. */
export function handlerMetadata(metadataKey: string, metadata: WebhookHandlerMetadata): MethodDecorator {
  return SetMetadata(metadataKey, metadata);
}
