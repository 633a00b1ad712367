import type { ResolvedSiglumeOptions } from "../dispatch/options.js";
import type { SiglumeOptions } from "../dispatch/types.js";
import { createWebhookHandler, type WebhookHandler } from "../engine/handler.js";
import { siglumeWebhooks } from "../siglume/provider.js";

export type { WebhookRequest } from "../engine/handler.js";

/**
 * The Siglume webhook on the engine (what {@link siglumeWebhooks} returns): a {@link WebhookHandler} that also
 * exposes its resolved options.
 */
export interface SiglumeWebhookHandler<TRequest> extends WebhookHandler<TRequest> {
  /** The options after start-up checks. */
  readonly options: ResolvedSiglumeOptions<TRequest>;
}

/**
 * The engine running the Siglume provider: what `siglumeRouter`,
 * `siglumePlugin`, `siglumeMiddleware` and `SiglumeModule` call. Options are
 * validated here, once.
 */
export function createSiglumeWebhookHandler<TAllowMetered extends boolean = false, TRequest = unknown>(
  options: SiglumeOptions<TAllowMetered, TRequest>,
): SiglumeWebhookHandler<TRequest> {
  const provider = siglumeWebhooks(options);
  return { ...createWebhookHandler(provider), options: provider.options };
}
