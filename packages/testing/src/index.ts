export { EVENT_KINDS, UNKNOWN_REASONS, siglumeEvents } from "./events.js";
export type { EventOverrides } from "./events.js";
export { signedRequest } from "./signed-request.js";
export type { SignedRequest, SignedRequestOptions } from "./signed-request.js";
export { adyenEvents, adyenSignedRequest } from "./adyen.js";
export type { AdyenSignedRequest, AdyenSignedRequestOptions } from "./adyen.js";
export { pomeloEvents, pomeloSignedRequest } from "./pomelo.js";
export type { PomeloSignedRequest, PomeloSignedRequestOptions } from "./pomelo.js";
