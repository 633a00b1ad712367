import { Module } from "@nestjs/common";
import {
  DEFAULT_PATH,
  siglumeWebhooks,
  type SiglumeHandlers,
  type SiglumeOptions,
} from "@siglume-middleware/core";
import { SIGLUME_HANDLER_METADATA } from "../constants.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { composeHandlers } from "./handlers.js";

/** Everything but the handlers, which come from decorated methods, and the route, which is an extra. */
export type SiglumeModuleOptions = Omit<SiglumeOptions<boolean>, Exclude<keyof SiglumeHandlers, "onError"> | "path">;

/** What `SiglumeModule.forRoot()` takes besides the webhook options, known when the module is defined: the route. */
export interface SiglumeModuleExtras {
  /** Webhook route (before any global prefix). Default "/webhooks/siglume". */
  path: string;
}

const definition = defineWebhookModule<SiglumeModuleOptions, SiglumeModuleExtras>({
  moduleName: "SiglumeModule",
  metadataKey: SIGLUME_HANDLER_METADATA,
  // The route must be known when the module is defined, so it is an extra rather than an (async) option.
  extras: { path: DEFAULT_PATH },
  routes: ({ path }) => [{ path, name: "events" }],
  build(options, { path }, found, logger) {
    const handlers = composeHandlers(found, options.allowMeteredPayments ?? false);
    return siglumeWebhooks<boolean, NestRequest>({
      onError: (error, { event }) =>
        logger.error(`event ${event?.id ?? "(unparsed)"} failed`, error instanceof Error ? error.stack : error),
      ...options,
      ...handlers,
      path,
    } as SiglumeOptions<boolean, NestRequest>);
  },
});

export const {
  /**
   * For typing only (its value throws when read): `typeof SIGLUME_OPTIONS_TYPE` is what `SiglumeModule.forRoot()`
   * accepts, the options with the extras. Use it to type a function that builds them.
   */
  OPTIONS_TYPE: SIGLUME_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof SIGLUME_ASYNC_OPTIONS_TYPE` is what
   * `SiglumeModule.forRootAsync()` accepts (`useFactory`, `inject`, `imports` and the extras).
   */
  ASYNC_OPTIONS_TYPE: SIGLUME_ASYNC_OPTIONS_TYPE,
  /**
   * The injection token of the options given to `SiglumeModule.forRoot()` / `forRootAsync()`:
   * `@Inject(SIGLUME_MODULE_OPTIONS)` to read them.
   */
  OPTIONS_TOKEN: SIGLUME_MODULE_OPTIONS,
  /**
   * The service each `SiglumeModule.forRoot()` provides: inject it to see the routes it serves (`routes`). It
   * receives the Siglume requests from the module's controller.
   */
  Service: SiglumeWebhookService,
} = definition;

/**
 * `SiglumeModule.forRoot({ webhookSecret, path? })` or `forRootAsync({ useFactory, inject, path? })`.
 * Handlers are methods decorated with @OnDirectPaymentConfirmed(), @OnSiglumeReview(), …
 */
@Module({})
export class SiglumeModule extends definition.ConfigurableModuleClass {}
