import { SiglumeWebhookError } from "../errors.js";

/** What a caller may hand the verifier: the exact bytes Siglume sent. */
export type RawBody = Buffer | Uint8Array | string;

/**
 * Narrows an unknown body to raw bytes without copying a Buffer or Uint8Array.
 * A parsed object is refused: re-stringifying it would change the signed bytes.
 */
export function toRawBytes(body: unknown, hint?: string): Buffer | string {
  if (typeof body === "string" || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body === undefined || body === null) {
    throw new SiglumeWebhookError(
      "RAW_BODY_UNAVAILABLE",
      hint ?? "No raw request body was available to verify. Pass the exact bytes Siglume sent (a Buffer or string).",
    );
  }
  throw new SiglumeWebhookError(
    "BODY_NOT_RAW",
    hint ??
      "The body was already parsed into an object, so its signed bytes are gone. Pass the raw Buffer or string " +
        "(for example mount the webhook route before any JSON body parser).",
  );
}
