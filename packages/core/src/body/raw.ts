import { SiglumeWebhookError } from "../errors.js";

/** What a caller may hand the verifier: the exact bytes the sender sent (a Buffer is a Uint8Array). */
export type RawBody = Uint8Array | string;

/**
 * Narrows an unknown body to raw bytes without copying (a Buffer is a Uint8Array).
 * A parsed object is refused: re-stringifying it would change the signed bytes.
 */
export function toRawBytes(body: unknown, hint?: string): Uint8Array | string {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body === undefined || body === null) {
    throw new SiglumeWebhookError(
      "RAW_BODY_UNAVAILABLE",
      hint ?? "No raw request body was available to verify. Pass the exact bytes the sender sent (a Uint8Array, Buffer or string).",
    );
  }
  throw new SiglumeWebhookError(
    "BODY_NOT_RAW",
    hint ??
      "The body was already parsed into an object, so its signed bytes are gone. Pass the raw bytes or string " +
        "(for example mount the webhook route before any JSON body parser).",
  );
}
