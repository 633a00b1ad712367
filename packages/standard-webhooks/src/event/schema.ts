import { isPromiseLike, type MaybePromise } from "@siglume-middleware/core";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { StandardWebhookPayload } from "./types.js";

/** A checked payload, or why it is not one. */
export type PayloadResult<TEvent> = { event: TEvent } | { problem: string; issues?: readonly StandardSchemaV1.Issue[] | undefined };

/** Whether `value` is a Standard Schema (zod 3.24+ and 4, valibot, arktype, …): it has `~standard.validate`. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.["~standard"];
  return typeof props === "object" && props !== null && props.version === 1 && typeof props.validate === "function";
}

/** Where each issue is, as `data.amount`: paths and messages only, never the values. */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  return `${shown.join("; ")}${issues.length > 5 ? `; and ${issues.length - 5} more` : ""}`;
}

/**
 * The payload through `schema` (synchronously when its validate is), or, without one, the built-in check:
 * a JSON object whose `type`, when present, is a string.
 */
export function checkPayload<TEvent>(payload: unknown, schema: StandardSchemaV1<unknown, TEvent> | undefined): MaybePromise<PayloadResult<TEvent>> {
  if (schema === undefined) {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return { problem: `the payload is ${Array.isArray(payload) ? "an array" : payload === null ? "null" : `a ${typeof payload}`}, not a JSON object` };
    }
    const type = (payload as StandardWebhookPayload).type;
    if (type !== undefined && typeof type !== "string") return { problem: `the payload's type is a ${typeof type}, not a string` };
    return { event: payload as TEvent };
  }
  const result = schema["~standard"].validate(payload);
  return isPromiseLike(result) ? Promise.resolve(result).then(toResult) : toResult(result);
}

function toResult<TEvent>(result: StandardSchemaV1.Result<TEvent>): PayloadResult<TEvent> {
  if (result.issues === undefined) return { event: result.value };
  return { problem: `the payload does not match the schema: ${describeIssues(result.issues)}`, issues: result.issues };
}
