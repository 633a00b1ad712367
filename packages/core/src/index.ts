export {
  SIGLUME_ERROR_STATUS,
  SiglumeConfigurationError,
  SiglumeWebhookError,
  WebhookConfigurationError,
  WebhookError,
  isSiglumeWebhookError,
  isWebhookError,
} from "./errors.js";
export type { SiglumeErrorCode, WebhookErrorOptions } from "./errors.js";

// The engine and the provider seam: what every provider package builds on.
export { createWebhookHandler } from "./engine/handler.js";
export type { WebhookHandler, WebhookRequest } from "./engine/handler.js";
export type * from "./engine/provider.js";
export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_HANDLER_MS,
  MAX_TIMER_MS,
  configurationFailure,
  positiveMs,
  resolveEngineOptions,
} from "./engine/options.js";
export type { EngineOptions, ResolvedEngineOptions, WebhookErrorInfo } from "./engine/options.js";
export { consoleLogger, isWebhookLogger } from "./engine/logger.js";
export type { WebhookLogger } from "./engine/logger.js";
export { runExactlyOnce, claimLost, storeUnavailable } from "./engine/exactly-once.js";
export type { ClaimedRun, ExactlyOnceOptions, RunOutcome } from "./engine/exactly-once.js";
export { containedReporter } from "./engine/report.js";

export { signSiglumeWebhook, computeSignature, deliverySignature, signingKey } from "./signature/sign.js";
export type { SigningKey } from "./signature/sign.js";
export { parseSignatureHeader, SIGNATURE_HEADER } from "./signature/header.js";
export { DEMO_WEBHOOK_SECRET, SANDBOX_WEBHOOK_SECRET, publishedSecretProblem } from "./signature/published.js";
export type { ParsedSignatureHeader } from "./signature/header.js";
export {
  DEFAULT_TOLERANCE_SECONDS,
  verifySiglumeDelivery,
  verifySiglumeSignature,
  verifySiglumeWebhook,
  verifySiglumeWebhookAsync,
} from "./signature/verify.js";
export type { VerifyOptions, VerifiedSignature } from "./signature/verify.js";

export { envelopeProblem, parseSiglumeEvent } from "./event/parse.js";
export * from "./event/schemas.js";
export { DIRECT_PAYMENT_CONFIRMED, DIRECT_PAYMENT_SPENT } from "./event/types.js";
export type * from "./event/types.js";

export { classifyDirectPaymentConfirmation } from "./classify/classify.js";
export type * from "./classify/classify.js";
export { isReadinessProbe } from "./classify/readiness.js";

export { memoryIdempotencyStore } from "./idempotency/memory.js";
export type { MemoryIdempotencyStoreOptions } from "./idempotency/memory.js";
export type * from "./idempotency/store.js";
export { assertIdempotencyStore, legacyIdempotencyStore } from "./idempotency/legacy.js";
export type { LegacyIdempotencyStore } from "./idempotency/legacy.js";
export { MIN_DIGEST_KEY_LENGTH, bodyDigest, derivedKey, digestKeyFrom } from "./idempotency/digest.js";
export { MAX_EVENT_ID_LENGTH, eventIdProblem, recordLabel } from "./idempotency/key.js";
export { isBlank, isDigits, trimmed } from "./event/text.js";

export { DEFAULT_PATH, resolveSiglumeOptions } from "./dispatch/options.js";
export type { ResolvedSiglumeOptions } from "./dispatch/options.js";
export { reviewRoute, routeEvent } from "./dispatch/route.js";
export type * from "./dispatch/types.js";

export { toRawBytes } from "./body/raw.js";
export type { RawBody } from "./body/raw.js";
export { assertWithinLimit, bodyReadFailedError, bodyTimeoutError, bodyTooLargeError } from "./body/limits.js";
export { readRequestBody, readWebBody } from "./body/web.js";

export { siglumeWebhooks } from "./siglume/provider.js";
export type { SiglumeProvider } from "./siglume/provider.js";
export { createSiglumeWebhookHandler } from "./http/handler.js";
export type { SiglumeWebhookHandler } from "./http/handler.js";
export { errorResponse, isJsonContentType, noContent } from "./http/response.js";
export type { WebhookResponse } from "./http/response.js";
export { matchesWebhookPath, pathWithoutQuery } from "./http/path.js";

// The runtime seam: node:crypto on Node and Bun, WebCrypto elsewhere (package.json "imports" picks one).
// Provider packages build on these instead of node:crypto and Buffer, so they run on every runtime.
export {
  byteLength,
  deadlines,
  ed25519PublicKey,
  equalBytes,
  fromBase64,
  fromHex,
  hmac,
  hmacSync,
  platformName,
  secretKey,
  sha256,
  sha256Sync,
  toBase64,
  toBase64Url,
  toHex,
  utf8Decode,
  utf8Encode,
  verifyEd25519,
} from "./platform/index.js";
export type { Deadlines, HashInput, Platform, PublicKey, SecretKey, Watched } from "./platform/contract.js";
export { all, isPromiseLike, andThen } from "./engine/maybe.js";
export { emitWarning, environment, isProduction } from "./engine/environment.js";
