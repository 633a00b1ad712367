import { utf8Decode } from "@siglume-middleware/core";
import { CLEARTX_UUID } from "./schemas.js";
import {
  CLEARTX_STATUS_OF_ROUTE,
  CLEARTX_STATUSES,
  type ClearTxConfirmedData,
  type ClearTxNotification,
  type ClearTxReviewReason,
  type ClearTxRouteName,
} from "./types.js";

/** Why a verified payload cannot reach a handler: the review's reason, the field at fault, and a sentence. */
export interface ClearTxPayloadProblem {
  /** What is wrong with the body. */
  reason: Extract<ClearTxReviewReason, "invalid_json" | "invalid_payload" | "status_mismatch">;
  /** The field that is missing or mistyped, when one is. */
  field?: string | undefined;
  /** What is wrong, in words (never the payload's values). */
  message: string;
}

/** A verified body, read for one endpoint. */
export type ClearTxParsed =
  | { ok: true; route: "confirmed-data"; payload: ClearTxConfirmedData; transactionRef: string }
  | { ok: true; route: Exclude<ClearTxRouteName, "confirmed-data">; payload: ClearTxNotification; transactionRef: string }
  | {
      ok: false;
      route: ClearTxRouteName;
      problem: ClearTxPayloadProblem;
      /** The parsed body; undefined when it is not JSON. */
      payload: unknown;
      /** The payload's reference, when it has a usable one. */
      transactionRef: string | undefined;
    };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const invalid = (field: string, message: string): ClearTxPayloadProblem => ({ reason: "invalid_payload", field, message });

function stringProblem(record: Record<string, unknown>, field: string, path = field): ClearTxPayloadProblem | undefined {
  const value = record[field];
  if (typeof value === "string") return undefined;
  return invalid(path, value === undefined ? `"${path}" is missing` : `"${path}" must be a string`);
}

function optionalStringProblem(record: Record<string, unknown>, field: string): ClearTxPayloadProblem | undefined {
  return record[field] === undefined ? undefined : stringProblem(record, field);
}

function objectProblem(record: Record<string, unknown>, field: string, fields: readonly string[]): ClearTxPayloadProblem | undefined {
  const value = record[field];
  if (!isObject(value)) return invalid(field, value === undefined ? `"${field}" is missing` : `"${field}" must be an object`);
  for (const name of fields) {
    const problem = stringProblem(value, name, `${field}.${name}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The payload's transactionRef when it is usable as a key (a UUID), else undefined. */
export function usableTransactionRef(value: unknown): string | undefined {
  const ref = isObject(value) ? value.transactionRef : undefined;
  return typeof ref === "string" && CLEARTX_UUID.test(ref) ? ref : undefined;
}

function statusProblem(route: keyof typeof CLEARTX_STATUS_OF_ROUTE, status: unknown): ClearTxPayloadProblem | undefined {
  const expected = CLEARTX_STATUS_OF_ROUTE[route];
  if (status === expected) return undefined;
  if (status === undefined) return invalid("status", `"status" is missing; the ${route} endpoint receives "${expected}"`);
  // Only a documented status is repeated in the message: it names the mismatch without echoing payload text.
  const got = (CLEARTX_STATUSES as readonly unknown[]).includes(status) ? `"${status as string}"` : "another value";
  return {
    reason: "status_mismatch",
    field: "status",
    message:
      `"status" is ${got}, but the ${route} endpoint receives "${expected}" (is the URL ClearTX posts each status to ` +
      "set to the matching endpoint?)",
  };
}

/**
 * Why a parsed body is not a notification the `route` endpoint can hand over, or undefined.
 * Hand-written for the hot path; `clearTxSchemas[route]` (zod) states the same contract, and a
 * property test holds the two to it. Messages name the field, never its value (but a documented status).
 */
export function clearTxPayloadProblem(route: ClearTxRouteName, value: unknown): ClearTxPayloadProblem | undefined {
  if (!isObject(value)) return { reason: "invalid_payload", message: "the body is JSON but not an object" };
  const ref = value.transactionRef;
  if (typeof ref !== "string") {
    return invalid("transactionRef", ref === undefined ? `"transactionRef" is missing` : `"transactionRef" must be a string`);
  }
  if (!CLEARTX_UUID.test(ref)) return invalid("transactionRef", `"transactionRef" must be a UUID`);

  if (route === "confirmed-data") {
    for (const field of ["protocol", "status", "originatorVASPdid", "beneficiaryVASPdid"]) {
      const problem = optionalStringProblem(value, field);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  const problem =
    statusProblem(route, value.status) ??
    stringProblem(value, "protocol") ??
    stringProblem(value, "originatorVASPdid") ??
    stringProblem(value, "beneficiaryVASPdid");
  if (problem !== undefined) return problem;
  if (route === "declined" || route === "rejected") return objectProblem(value, "reason", ["category", "description"]);
  if (route === "broadcasted") return objectProblem(value, "transactionBlockchainInfo", ["txHash", "origin", "destination"]);
  return undefined;
}

/**
 * Reads verified bytes for one endpoint. Never throws: a body that is not JSON, or not what the
 * endpoint receives, comes back with its problem (it goes to review, answered 200, since ClearTX
 * would resend a refused notification unchanged for 24 hours).
 */
export function parseClearTxNotification(route: ClearTxRouteName, body: Uint8Array | string): ClearTxParsed {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof body === "string" ? body : utf8Decode(body));
  } catch {
    return {
      ok: false,
      route,
      problem: { reason: "invalid_json", message: "the body is not JSON" },
      payload: undefined,
      transactionRef: undefined,
    };
  }
  const problem = clearTxPayloadProblem(route, payload);
  if (problem !== undefined) return { ok: false, route, problem, payload, transactionRef: usableTransactionRef(payload) };
  const transactionRef = (payload as { transactionRef: string }).transactionRef;
  return route === "confirmed-data"
    ? { ok: true, route, payload: payload as ClearTxConfirmedData, transactionRef }
    : { ok: true, route, payload: payload as ClearTxNotification, transactionRef };
}
