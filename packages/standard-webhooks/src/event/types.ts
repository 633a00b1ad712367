import type { StandardSchemaV1 } from "@standard-schema/spec";

/**
 * An event as received when no `schema` is given: the JSON object the sender posted. The spec recommends
 * `type` (e.g. "invoice.paid"), `timestamp` and `data`; only `type` is checked (a string, when present).
 */
export interface StandardWebhookPayload {
  /** The event's type, e.g. "response.completed" (OpenAI), "user.created" (Clerk). */
  type?: string;
  [field: string]: unknown;
}

/** Why a verified delivery went to `onReview` instead of `onEvent`. */
export type StandardWebhookReviewReason =
  /** The payload does not pass `schema`. */
  | "schema_mismatch"
  /** No `schema`, and the payload is not a JSON object with a string `type` (when it has one). */
  | "invalid_payload"
  /** The webhook-id was handled before with another body: a sender reusing ids, or a replay with other content. */
  | "webhook_id_reused"
  /** NestJS: no method takes the event's type and none takes every type. */
  | "unhandled_type";

/** A verified delivery no event handler takes. */
export interface StandardWebhookReview {
  /**
   * Why it is not an event `onEvent` takes (fails the schema, not a JSON object, or an id reused with another body).
   */
  reason: StandardWebhookReviewReason;
  /** What was wrong, in words (never the payload's values). */
  detail: string;
  /** webhook-id. */
  eventId: string;
  /** The parsed JSON body, as received. */
  payload: unknown;
  /** The schema's issues, for `schema_mismatch`. */
  issues?: readonly StandardSchemaV1.Issue[] | undefined;
}
