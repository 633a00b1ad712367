export { SANDBOX_DEFAULTS, startSiglumeSandbox } from "./sandbox.js";
export type { SiglumeSandbox, SiglumeSandboxOptions } from "./sandbox.js";
export { retryDelayMs } from "./deliveries.js";
export type { DeliverySchedule, SandboxDelivery } from "./deliveries.js";
export { challengeHashFor, confirmationEvent, publicSession } from "./events.js";
export type { SandboxSession } from "./events.js";
