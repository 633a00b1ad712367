import type { WebhookRequest } from "@siglume-middleware/core";
import type { SignedRequest } from "@siglume-middleware/testing";

/** A signed delivery as the core's framework-free request, the way an adapter builds it. */
export function coreRequest(delivery: SignedRequest): WebhookRequest<null> {
  return {
    method: "POST",
    header: (name) => delivery.headers[name as keyof SignedRequest["headers"]],
    readBody: async () => delivery.body,
    request: null,
  };
}
