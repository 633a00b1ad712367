import { signedRequest, siglumeEvents, type SignedRequest } from "@siglume-middleware/testing";
import type { SiglumeEvent } from "@siglume-middleware/core";

export const SECRET = "whsec_conformance_secret";
export const events = siglumeEvents;
export type { SignedRequest };

/** Signed with the suite's secret unless told otherwise. */
export function signed(
  event: SiglumeEvent | string | Buffer,
  options: { secret?: string; timestamp?: number; contentType?: string } = {},
): SignedRequest {
  return signedRequest(event, { secret: SECRET, ...options });
}
