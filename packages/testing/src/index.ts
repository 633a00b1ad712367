export { EVENT_KINDS, UNKNOWN_REASONS, siglumeEvents } from "./events.js";
export type { EventOverrides } from "./events.js";
export { signedRequest } from "./signed-request.js";
export type { SignedRequest, SignedRequestOptions } from "./signed-request.js";
export { adyenEvents, adyenSignedRequest } from "./adyen.js";
export type { AdyenSignedRequest, AdyenSignedRequestOptions } from "./adyen.js";
export { CLEARTX_TEST_SIGNATURE_HEADER, clearTxEvents, clearTxRequest, clearTxTestSigner } from "./cleartx.js";
export type { ClearTxRequest, ClearTxRequestKind, ClearTxRequestOptions } from "./cleartx.js";
