export {
  SIGLUME_ASYNC_OPTIONS_TYPE,
  SIGLUME_MODULE_OPTIONS,
  SIGLUME_OPTIONS_TYPE,
  SiglumeModule,
  SiglumeWebhookService,
} from "./siglume/module.js";
export type { SiglumeModuleExtras, SiglumeModuleOptions } from "./siglume/module.js";
export {
  OnDirectPaymentConfirmed,
  OnDirectPaymentSpent,
  OnSiglumeEvent,
  OnSiglumeReadinessProbe,
  OnSiglumeReview,
} from "./siglume/decorators.js";
export type { FulfillableKind, SiglumeHandlerMetadata } from "./siglume/decorators.js";
export { SIGLUME_HANDLER_METADATA } from "./constants.js";

// For provider modules (the @siglume-middleware/nestjs/<provider> entries, or your own provider's).
export { defineWebhookModule } from "./provider/define.js";
export type { NestRequest, WebhookModuleDefinition, WebhookModuleService, WebhookModuleSpec } from "./provider/define.js";
export { discoverHandlers, sequence } from "./provider/discovery.js";
export type { DiscoveredHandler, WebhookHandlerMetadata } from "./provider/discovery.js";
export { handlerMetadata } from "./provider/decorator.js";
export type { HandlerDecoratorOptions } from "./provider/decorator.js";

export * from "@siglume-middleware/core";
export * from "@siglume-middleware/core/node";
export * from "./checkout.js";
