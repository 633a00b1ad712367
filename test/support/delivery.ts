import { signedRequest } from "@siglume-middleware/testing";
import type { SiglumeEvent } from "@siglume-middleware/core";

export const INSTANCE_SECRET = "whsec_instances";

/** POSTs a signed event with fetch; a dropped connection is status 0, not a throw. */
export async function post(url: string, event: SiglumeEvent, secret = INSTANCE_SECRET) {
  const delivery = signedRequest(event, { secret });
  try {
    const res = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
  } catch (error) {
    return { status: 0, retryAfter: null, body: String((error as Error).cause ?? error) };
  }
}
