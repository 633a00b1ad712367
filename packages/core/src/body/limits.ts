import { SiglumeWebhookError } from "../errors.js";
import { byteLength } from "../platform/index.js";

/** BODY_TOO_LARGE for `limit`; also used by adapters whose framework enforces the limit. */
export function bodyTooLargeError(limit: number): SiglumeWebhookError {
  return new SiglumeWebhookError(
    "BODY_TOO_LARGE",
    `The request body is larger than the ${limit}-byte limit. Webhook events are small; raise bodyLimit only if ` +
      "a legitimate delivery was refused.",
  );
}

/** BODY_TIMEOUT after `timeoutMs`: the answer closes the connection. */
export const bodyTimeoutError = (timeoutMs: number) =>
  new SiglumeWebhookError(
    "BODY_TIMEOUT",
    `The request body did not arrive within ${timeoutMs} ms, so the connection was closed. A legitimate sender ` +
      "sends its body at once; a slow network or proxy in between would need a larger bodyTimeoutMs.",
  );

/** BODY_READ_FAILED: the stream ended early or broke. */
export const bodyReadFailedError = (cause: unknown) =>
  new SiglumeWebhookError(
    "BODY_READ_FAILED",
    "The request body could not be read completely (the client disconnected or Content-Length was wrong).",
    { cause },
  );

/** Throws BODY_TOO_LARGE when bytes the framework already read are over the limit. */
export function assertWithinLimit(body: Uint8Array | string, limit: number): void {
  if (byteLength(body) > limit) throw bodyTooLargeError(limit);
}
