import type { z } from "zod";
import { SiglumeWebhookError } from "@siglume-middleware/core";
import { authenticationNotificationSchema, relayedAuthenticationRequestSchema } from "./schemas.js";
import {
  AUTHENTICATION_CREATED,
  RELAYED_AUTHENTICATION,
  type AdyenOtherWebhook,
  type AuthenticationNotification,
  type RelayedAuthenticationRequest,
} from "./types.js";

/** A verified body, sorted by what it asks for. `problem` says why a known type could not be read. */
export type AdyenWebhook =
  | { kind: "relayed"; payload: RelayedAuthenticationRequest; problem?: undefined }
  | { kind: "relayed"; payload: Record<string, unknown>; problem: string }
  | { kind: "result"; payload: AuthenticationNotification }
  | { kind: "other"; payload: AdyenOtherWebhook };

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length > 0 ? `"${issue.path.join(".")}"` : "the body"} ${issue.message}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads verified bytes. A relayed request is recognised by its `type`, or,
 * as older payloads came, by having `paymentInstrumentId` and `purchase` and
 * no `type`. An unreadable relayed request is returned with its problem (a
 * decision is still due: it is refused); an unreadable result notification
 * is a 400.
 */
export function parseAdyenWebhook(body: Buffer | string): AdyenWebhook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (error) {
    throw new SiglumeWebhookError(
      "PAYLOAD_INVALID_JSON",
      "The HMAC is valid but the body is not JSON. Nothing was processed; check what produced this delivery.",
      { cause: error },
    );
  }
  if (!isObject(parsed)) {
    throw new SiglumeWebhookError("PAYLOAD_INVALID_EVENT", "The HMAC is valid but the body is not a JSON object.");
  }
  const type = parsed.type;
  if (type === RELAYED_AUTHENTICATION || (type === undefined && "paymentInstrumentId" in parsed && "purchase" in parsed)) {
    const result = relayedAuthenticationRequestSchema.safeParse(parsed);
    return result.success
      ? { kind: "relayed", payload: result.data as RelayedAuthenticationRequest }
      : { kind: "relayed", payload: parsed, problem: firstIssue(result.error) };
  }
  if (type === AUTHENTICATION_CREATED) {
    const result = authenticationNotificationSchema.safeParse(parsed);
    if (!result.success) {
      throw new SiglumeWebhookError(
        "PAYLOAD_INVALID_EVENT",
        `The HMAC is valid but this ${AUTHENTICATION_CREATED} cannot be read: ${firstIssue(result.error)}. Nothing was processed.`,
      );
    }
    return { kind: "result", payload: result.data as AuthenticationNotification };
  }
  return { kind: "other", payload: parsed as AdyenOtherWebhook };
}
