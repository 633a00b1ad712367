export { adyenAuthenticationWebhooks } from "./provider/provider.js";
export type { AdyenAuthenticationProvider } from "./provider/provider.js";
export {
  ADYEN_DECISION_LIMIT_MS,
  DEFAULT_ADYEN_PATH,
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_RESULT_HANDLER_TIMEOUT_MS,
} from "./provider/options.js";
export type {
  AdyenAuthenticationHandlers,
  AdyenAuthenticationOptions,
  AdyenContext,
  AdyenRelayedContext,
} from "./provider/options.js";
export { HMAC_HEADER, adyenHmacKeys, keyCheckValue, signAdyenPayload, verifyAdyenHmac } from "./signature/hmac.js";
export type { AdyenHmacKey } from "./signature/hmac.js";
export { basicAuthChecker } from "./auth/basic.js";
export type { BasicAuthCredentials } from "./auth/basic.js";
export { notificationProblem, parseAdyenWebhook, relayedProblem } from "./event/parse.js";
export type { AdyenWebhook } from "./event/parse.js";
export * from "./event/schemas.js";
export { AUTHENTICATION_CREATED, RELAYED_AUTHENTICATION } from "./event/types.js";
export type * from "./event/types.js";
