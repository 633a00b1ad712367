import { eventIdProblem, SiglumeWebhookError, utf8Decode } from "@siglume-middleware/core";
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const optionalString = (record: Record<string, unknown>, field: string, path: string) =>
  record[field] === undefined || typeof record[field] === "string" ? undefined : `"${path}${field}" must be a string`;

function purchaseProblem(value: unknown, path: string): string | undefined {
  if (!isObject(value)) return `"${path}" must be an object`;
  if (typeof value.date !== "string") return `"${path}.date" must be a string`;
  if (typeof value.merchantName !== "string") return `"${path}.merchantName" must be a string`;
  const amount = value.originalAmount;
  if (!isObject(amount)) return `"${path}.originalAmount" must be an object`;
  if (typeof amount.currency !== "string") return `"${path}.originalAmount.currency" must be a string`;
  if (typeof amount.value !== "number" || !Number.isFinite(amount.value)) return `"${path}.originalAmount.value" must be a number`;
  return undefined;
}

/**
 * Why a body is not a relayed authentication we can decide on, or undefined.
 * Hand-written for the hot path (a decision is due within 2 s);
 * `relayedAuthenticationRequestSchema` (zod) states the same contract, and a
 * property test holds the two to it.
 */
export function relayedProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.id !== "string") return `"id" must be a string`;
  const idProblem = eventIdProblem(value.id);
  if (idProblem !== undefined) return `"id" ${idProblem}`;
  if (typeof value.paymentInstrumentId !== "string") return `"paymentInstrumentId" must be a string`;
  return (
    purchaseProblem(value.purchase, "purchase") ??
    optionalString(value, "environment", "") ??
    optionalString(value, "timestamp", "") ??
    optionalString(value, "threeDSRequestorAppURL", "") ??
    (value.type === undefined || value.type === RELAYED_AUTHENTICATION ? undefined : `"type" must be "${RELAYED_AUTHENTICATION}"`)
  );
}

/** Why a body is not an authentication result we can record, or undefined (see relayedProblem). */
export function notificationProblem(value: Record<string, unknown>): string | undefined {
  if (value.type !== AUTHENTICATION_CREATED) return `"type" must be "${AUTHENTICATION_CREATED}"`;
  const problem = optionalString(value, "environment", "") ?? optionalString(value, "timestamp", "");
  if (problem !== undefined) return problem;
  const data = value.data;
  if (!isObject(data)) return `"data" must be an object`;
  if (typeof data.id !== "string") return `"data.id" must be a string`;
  const idProblem = eventIdProblem(data.id);
  if (idProblem !== undefined) return `"data.id" ${idProblem}`;
  for (const field of ["paymentInstrumentId", "status", "balancePlatform"]) {
    const fieldProblem = optionalString(data, field, "data.");
    if (fieldProblem !== undefined) return fieldProblem;
  }
  if (data.purchase !== undefined) {
    const purchase = purchaseProblem(data.purchase, "data.purchase");
    if (purchase !== undefined) return purchase;
  }
  const authentication = data.authentication;
  if (authentication === undefined) return undefined;
  if (!isObject(authentication)) return `"data.authentication" must be an object`;
  for (const field of ["acsTransId", "dsTransID", "threeDSServerTransID", "transStatus", "transStatusReason", "type", "deviceChannel", "messageCategory"]) {
    const fieldProblem = optionalString(authentication, field, "data.authentication.");
    if (fieldProblem !== undefined) return fieldProblem;
  }
  const challenge = authentication.challenge;
  if (challenge !== undefined && challenge !== null && !isObject(challenge)) return `"data.authentication.challenge" must be an object`;
  const inScope = authentication.inPSD2Scope;
  if (inScope !== undefined && typeof inScope !== "boolean") return `"data.authentication.inPSD2Scope" must be a boolean`;
  return undefined;
}

/**
 * Reads verified bytes. A relayed request is recognised by its `type`, or,
 * as older payloads came, by having `paymentInstrumentId` and `purchase` and
 * no `type`. An unreadable relayed request is returned with its problem (a
 * decision is still due: it is refused); an unreadable result notification
 * is a 400.
 */
export function parseAdyenWebhook(body: Uint8Array | string): AdyenWebhook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : utf8Decode(body));
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
    const problem = relayedProblem(parsed);
    return problem === undefined
      ? { kind: "relayed", payload: parsed as RelayedAuthenticationRequest }
      : { kind: "relayed", payload: parsed, problem };
  }
  if (type === AUTHENTICATION_CREATED) {
    const problem = notificationProblem(parsed);
    if (problem !== undefined) {
      throw new SiglumeWebhookError(
        "PAYLOAD_INVALID_EVENT",
        `The HMAC is valid but this ${AUTHENTICATION_CREATED} cannot be read: ${problem}. Nothing was processed.`,
      );
    }
    return { kind: "result", payload: parsed as AuthenticationNotification };
  }
  return { kind: "other", payload: parsed as AdyenOtherWebhook };
}
