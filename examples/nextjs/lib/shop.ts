// The shop's state, in one module the route files share: Next.js loads it once per server process, so the
// webhook route fulfils the orders the checkout start route opened. (A route on the edge runtime runs in an
// isolate of its own and would get a copy of its own: see app/edge/webhooks/siglume/route.ts.)
import { memoryOrderStore } from "@siglume-middleware/web";
import { DEMO_ORDERS } from "./demo-orders";

/** Your review record: payments not applied to an order (to look at, and refund), and events to check. */
export const reviews: { eventId: string; reason: string }[] = [];

/** Your order database; the demo's orders belong to the shopper "demo-shopper". */
export const orders = memoryOrderStore<Request>({
  orders: DEMO_ORDERS,
  // Stand-in for your session: the shopper is whoever the x-demo-shopper header names.
  owns: (order, request) => order.owner === request.headers.get("x-demo-shopper"),
});
