// `@siglume-middleware/nestjs/standard-webhooks`: any Standard Webhooks sender (OpenAI, Svix, …) as a NestJS module.
import { Module } from "@nestjs/common";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import {
  DEFAULT_STANDARD_PATH,
  standardWebhooks,
  type StandardWebhookContext,
  type StandardWebhookReview,
  type StandardWebhooksHandlers,
  type StandardWebhooksOptions,
} from "@siglume-middleware/standard-webhooks";
import { handlerMetadata } from "../provider/decorator.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { sequence, withRole, type DiscoveredHandler, type WebhookHandlerMetadata } from "../provider/discovery.js";

/**
 * The metadata key the Standard Webhooks handler decorators write on a method; `StandardWebhooksModule` finds the
 * methods by it.
 */
export const STANDARD_WEBHOOK_HANDLER_METADATA = "siglume-middleware:standard-webhooks-handler";

/** What the decorators record: an event method and the types it takes (none: every type no other method takes). */
export type StandardWebhookHandlerMetadata = { role: "event"; name?: string | undefined; types: readonly string[] } | { role: "review"; name?: string | undefined };

/**
 * Handles verified events of the instance `name` (the `name` given to `forRoot`; undefined for an unnamed one):
 * `(event, ctx)`, once per webhook-id. With types, only events whose `type` is one of them; without, every event
 * no typed method takes. An unnamed instance's typed method: `@OnStandardWebhook(undefined, "invoice.paid")`.
 */
export const OnStandardWebhook = (name?: string, ...types: string[]): MethodDecorator =>
  handlerMetadata(STANDARD_WEBHOOK_HANDLER_METADATA, { role: "event", name, types } satisfies StandardWebhookHandlerMetadata as WebhookHandlerMetadata);

/**
 * Verified deliveries no event method takes: `(review, ctx)`. A payload failing `schema`, a webhook-id reused with
 * another body, or (with typed methods only) a type no method takes. Without one they are logged and acknowledged,
 * except unhandled types, which need this or a method without types (checked at start-up).
 */
export const OnStandardWebhookReview = (name?: string): MethodDecorator =>
  handlerMetadata(STANDARD_WEBHOOK_HANDLER_METADATA, { role: "review", name } satisfies StandardWebhookHandlerMetadata);

/** Everything but the handlers (decorated methods) and the extras (path, name). */
export type StandardWebhooksModuleOptions = Omit<StandardWebhooksOptions<NestRequest, unknown>, keyof StandardWebhooksHandlers | "path" | "name">;

/**
 * What `StandardWebhooksModule.forRoot()` takes besides the provider's options, known when the module is defined: the
 * route and the sender's name.
 */
export interface StandardWebhooksModuleExtras {
  /** Default "/webhooks/standard" (before any global prefix). One instance per sender, each on its own path. */
  path: string;
  /** Names this instance ("openai"): keys and logs carry it, and its decorators take the same name. */
  name?: string | undefined;
}

const typeOf = (event: unknown): string | undefined => {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : undefined;
};

/** Routes events by `type` to the decorated methods, failing at start-up when an event could reach none. */
function composeStandardHandlers(found: DiscoveredHandler[], name: string | undefined): StandardWebhooksHandlers<NestRequest, unknown> {
  const instance = name === undefined ? "" : ` for name "${name}"`;
  const decorator = name === undefined ? "@OnStandardWebhook()" : `@OnStandardWebhook("${name}")`;
  const fail = (message: string): never => {
    throw new SiglumeConfigurationError(`StandardWebhooksModule: ${message}`);
  };
  const methods = withRole(found, "event").map((handler) => ({ handler, types: (handler.metadata as unknown as { types: readonly string[] }).types }));
  if (methods.length === 0) fail(`no ${decorator} method found${instance}. One is required: every verified event goes there.`);
  const typed = methods.filter(({ types }) => types.length > 0);
  const rest = methods.filter(({ types }) => types.length === 0).map(({ handler }) => handler);
  const review = sequence(withRole(found, "review"));
  if (rest.length === 0 && review === undefined) {
    fail(
      `every ${decorator.replace(")", ", …types)")} method${instance} names types, and there is no method without types and no ` +
        `@OnStandardWebhookReview(${name === undefined ? "" : `"${name}"`}): an event of another type would be acknowledged ` +
        "with no handler. Add either.",
    );
  }
  const byType = new Map<string, DiscoveredHandler[]>();
  for (const { handler, types } of typed) for (const type of new Set(types)) byType.set(type, [...(byType.get(type) ?? []), handler]);
  const unhandled = (event: unknown, ctx: StandardWebhookContext<NestRequest>) => {
    const type = typeOf(event);
    const detail: StandardWebhookReview = {
      reason: "unhandled_type",
      detail: type === undefined ? "the event has no type, and every method names types" : `no method takes type ${JSON.stringify(type.slice(0, 120))}`,
      eventId: ctx.eventId,
      payload: event,
    };
    return review!(detail, ctx);
  };
  return {
    async onEvent(event, ctx) {
      const type = typeOf(event);
      const handlers = (type === undefined ? undefined : byType.get(type)) ?? rest;
      if (handlers.length === 0) return unhandled(event, ctx);
      for (const handler of handlers) await handler.call(event, ctx);
    },
    onReview: review,
  };
}

const definition = defineWebhookModule<StandardWebhooksModuleOptions, StandardWebhooksModuleExtras>({
  moduleName: "StandardWebhooksModule",
  metadataKey: STANDARD_WEBHOOK_HANDLER_METADATA,
  extras: { path: DEFAULT_STANDARD_PATH, name: undefined },
  routes: ({ path }) => [{ path, name: "events" }],
  build(options, { path, name }, found, logger) {
    return standardWebhooks<NestRequest, unknown>({
      // The error only: info.event is { id, type }, and the payload may hold personal data.
      onError: (error) => logger.error("Standard webhook failed", error instanceof Error ? error.stack : error),
      ...options,
      ...composeStandardHandlers(found, name),
      path,
      name,
    });
  },
});

export const {
  /**
   * For typing only (its value throws when read): `typeof STANDARD_WEBHOOKS_OPTIONS_TYPE` is what
   * `StandardWebhooksModule.forRoot()` accepts, the options with the extras. Use it to type a function that builds
   * them.
   */
  OPTIONS_TYPE: STANDARD_WEBHOOKS_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof STANDARD_WEBHOOKS_ASYNC_OPTIONS_TYPE` is what
   * `StandardWebhooksModule.forRootAsync()` accepts (`useFactory`, `inject`, `imports` and the extras).
   */
  ASYNC_OPTIONS_TYPE: STANDARD_WEBHOOKS_ASYNC_OPTIONS_TYPE,
  /**
   * The injection token of the options given to `StandardWebhooksModule.forRoot()` / `forRootAsync()`:
   * `@Inject(STANDARD_WEBHOOKS_MODULE_OPTIONS)` to read them.
   */
  OPTIONS_TOKEN: STANDARD_WEBHOOKS_MODULE_OPTIONS,
  /**
   * The service each `StandardWebhooksModule.forRoot()` provides: inject it to see the routes it serves (`routes`).
   * It receives the Standard Webhooks requests from the module's controller.
   */
  Service: StandardWebhookService,
} = definition;

/**
 * `StandardWebhooksModule.forRoot({ name, secret, path?, schema? })` or `forRootAsync({ useFactory, inject, name })`,
 * with @OnStandardWebhook(name, ...types) methods (and @OnStandardWebhookReview(name)) on providers or controllers.
 * Import it once per sender, each with its own name and path.
 */
@Module({})
export class StandardWebhooksModule extends definition.ConfigurableModuleClass {}

export * from "@siglume-middleware/standard-webhooks";
