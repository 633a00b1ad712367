export { SiglumeModule } from "./siglume.module.js";
export { SiglumeWebhookService } from "./siglume.service.js";
export {
  OnDirectPaymentConfirmed,
  OnDirectPaymentSpent,
  OnSiglumeEvent,
  OnSiglumeReadinessProbe,
  OnSiglumeReview,
} from "./decorators.js";
export type { FulfillableKind, SiglumeHandlerMetadata } from "./decorators.js";
export { SIGLUME_HANDLER_METADATA, SIGLUME_MODULE_OPTIONS } from "./constants.js";
export type { SiglumeModuleExtras, SiglumeModuleOptions } from "./module-definition.js";
export { SIGLUME_ASYNC_OPTIONS_TYPE, SIGLUME_OPTIONS_TYPE } from "./module-definition.js";
export * from "@siglume-middleware/core";
export * from "./checkout.js";
