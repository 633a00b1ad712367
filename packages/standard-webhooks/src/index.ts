export { standardWebhooks } from "./provider/provider.js";
export type { StandardWebhooksProvider } from "./provider/provider.js";
export { DEFAULT_STANDARD_HANDLER_TIMEOUT_MS, DEFAULT_STANDARD_PATH } from "./provider/options.js";
export type { StandardWebhookContext, StandardWebhooksHandlers, StandardWebhooksOptions } from "./provider/options.js";
export {
  DEFAULT_STANDARD_TOLERANCE_SECONDS,
  signStandardWebhook,
  verifyStandardRequest,
  verifyStandardWebhook,
} from "./signature/verify.js";
export type { StandardVerificationKeys, VerifiedStandardWebhook, VerifyStandardWebhookOptions } from "./signature/verify.js";
export { MAX_SIGNATURE_ENTRIES, STANDARD_HEADERS, SVIX_HEADERS, parseSignatures, readStandardHeaders } from "./signature/headers.js";
export type { ParsedSignatures, SignatureEntry, StandardHeaderValues } from "./signature/headers.js";
export {
  MIN_SECRET_BYTES,
  PUBLIC_KEY_PREFIX,
  SECRET_PREFIX,
  SIGNING_KEY_PREFIX,
  standardPublicKeys,
  standardSecrets,
} from "./signature/keys.js";
export type { StandardPublicKey, StandardSecret } from "./signature/keys.js";
export { checkPayload, describeIssues, isStandardSchema } from "./event/schema.js";
export type { PayloadResult } from "./event/schema.js";
export type { StandardWebhookPayload, StandardWebhookReview, StandardWebhookReviewReason } from "./event/types.js";
export type { StandardSchemaV1 } from "@standard-schema/spec";
