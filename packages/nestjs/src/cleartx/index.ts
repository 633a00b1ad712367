// `@siglume-middleware/nestjs/cleartx`: ClearTX's travel-rule notifications as a NestJS module.
import { Module } from "@nestjs/common";
import {
  CLEARTX_STATUSES,
  clearTxRoutes,
  clearTxWebhooks,
  DEFAULT_CLEARTX_BASE_PATH,
  type ClearTxHandlers,
  type ClearTxNotification,
  type ClearTxOptions,
  type ClearTxStatus,
} from "@siglume-middleware/cleartx";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import { handlerMetadata } from "../provider/decorator.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { fanOut, required, sequence, withRole, type DiscoveredHandler, type WebhookHandlerMetadata } from "../provider/discovery.js";

/**
 * The metadata key the ClearTX handler decorators write on a method; `ClearTxWebhooksModule` finds the methods by it.
 */
export const CLEARTX_HANDLER_METADATA = "siglume-middleware:cleartx-handler";

/** What a ClearTX handler decorator records on a method: its role, and for notifications the statuses it takes. */
export type ClearTxHandlerMetadata =
  | { role: "notification"; statuses: readonly ClearTxStatus[] }
  | { role: "confirmed-data" }
  | { role: "review" };

/**
 * Handles CONFIRMED, DECLINED, REJECTED and BROADCASTED notifications: `(notification, ctx)`. With no
 * arguments it receives all four; name statuses to split them across methods. Every status must
 * reach at least one method, or the app refuses to start.
 */
export const OnClearTxNotification = (...statuses: ClearTxStatus[]): MethodDecorator =>
  handlerMetadata(CLEARTX_HANDLER_METADATA, { role: "notification", statuses } satisfies ClearTxHandlerMetadata as WebhookHandlerMetadata);

/** Handles /confirmed-data (IVMS.101 personal data): `(notification, ctx)`. Without one they go to review. */
export const OnClearTxConfirmedData = (): MethodDecorator =>
  handlerMetadata(CLEARTX_HANDLER_METADATA, { role: "confirmed-data" } satisfies ClearTxHandlerMetadata);

/** Verified notifications no handler can take: `(review, ctx)`. At least one is required. */
export const OnClearTxReview = (): MethodDecorator =>
  handlerMetadata(CLEARTX_HANDLER_METADATA, { role: "review" } satisfies ClearTxHandlerMetadata);

/** Everything but the handlers (decorated methods) and the extras (basePath). */
export type ClearTxWebhooksModuleOptions = Omit<ClearTxOptions<NestRequest>, keyof ClearTxHandlers | "basePath">;

/**
 * What `ClearTxWebhooksModule.forRoot()` takes besides the provider's options, known when the module is defined: the
 * base path of the five endpoints.
 */
export interface ClearTxWebhooksModuleExtras {
  /** Default "/v1/notify" (before any global prefix): /confirmed, /declined, … /confirmed-data below it. */
  basePath: string;
}

function fail(message: string): never {
  throw new SiglumeConfigurationError(`ClearTxWebhooksModule: ${message}`);
}

/** Turns decorated methods into the provider's handlers, failing at start-up when a status would reach no method. */
function composeClearTxHandlers(found: DiscoveredHandler[]): ClearTxHandlers<NestRequest> {
  return {
    onNotification: fanOut(withRole(found, "notification"), {
      declared: (handler) => (handler.metadata as unknown as { statuses: readonly string[] }).statuses,
      values: CLEARTX_STATUSES,
      valueOf: (notification) => (notification as ClearTxNotification).status,
      fail,
      messages: {
        outside: (handler, status) => `${handler} listens for ${JSON.stringify(status)}, which is not a ClearTX status (${CLEARTX_STATUSES.join(", ")}).`,
        unreached: (status) =>
          `no @OnClearTxNotification() method accepts "${status}", so such notifications would be acknowledged with no ` +
          "record. Add one (no arguments accepts every status).",
      },
    }),
    onConfirmedData: sequence(withRole(found, "confirmed-data")),
    onReview: required(
      found,
      "review",
      fail,
      "no @OnClearTxReview() method found. One is required: verified notifications that cannot be read go there " +
        "(answered 200, since ClearTX would resend a refused one for 24 hours).",
    ),
  };
}

const definition = defineWebhookModule<ClearTxWebhooksModuleOptions, ClearTxWebhooksModuleExtras>({
  moduleName: "ClearTxWebhooksModule",
  metadataKey: CLEARTX_HANDLER_METADATA,
  extras: { basePath: DEFAULT_CLEARTX_BASE_PATH },
  routes: ({ basePath }) => clearTxRoutes(basePath),
  build(options, { basePath }, found, logger) {
    return clearTxWebhooks<NestRequest>({
      // The error only (its stack): info.event is the payload, which may hold personal data.
      onError: (error) => logger.error("ClearTX webhook failed", error instanceof Error ? error.stack : error),
      ...options,
      ...composeClearTxHandlers(found),
      basePath,
    });
  },
});

export const {
  /**
   * For typing only (its value throws when read): `typeof CLEARTX_OPTIONS_TYPE` is what
   * `ClearTxWebhooksModule.forRoot()` accepts, the options with the extras. Use it to type a function that builds
   * them.
   */
  OPTIONS_TYPE: CLEARTX_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof CLEARTX_ASYNC_OPTIONS_TYPE` is what
   * `ClearTxWebhooksModule.forRootAsync()` accepts (`useFactory`, `inject`, `imports` and the extras).
   */
  ASYNC_OPTIONS_TYPE: CLEARTX_ASYNC_OPTIONS_TYPE,
  /**
   * The injection token of the options given to `ClearTxWebhooksModule.forRoot()` / `forRootAsync()`:
   * `@Inject(CLEARTX_MODULE_OPTIONS)` to read them.
   */
  OPTIONS_TOKEN: CLEARTX_MODULE_OPTIONS,
  /**
   * The service each `ClearTxWebhooksModule.forRoot()` provides: inject it to see the routes it serves (`routes`). It
   * receives the ClearTX requests from the module's controller.
   */
  Service: ClearTxWebhookService,
} = definition;

/**
 * `ClearTxWebhooksModule.forRoot({ verify, basePath? })` or `forRootAsync({ useFactory, inject })`, with
 * @OnClearTxNotification() and @OnClearTxReview() methods (and @OnClearTxConfirmedData()) on providers or
 * controllers.
 */
@Module({})
export class ClearTxWebhooksModule extends definition.ConfigurableModuleClass {}

export * from "@siglume-middleware/cleartx";
