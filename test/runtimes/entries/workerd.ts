// The smoke app as a Cloudflare Worker (module syntax), built at module scope as users do. GET /_runtime says
// whether the isolate has a `process` (nodejs_compat on), so a test can tell that nodejs_compat is really off;
// GET /_checkout-without-origin what building a checkout start route without publicOrigin throws here.
import { memoryOrderStore, siglumeCheckoutFetchHandler } from "@siglume-middleware/web";
import { createSmokeApp } from "../app.js";

const app = createSmokeApp("workerd");
// Printed after everything at module scope ran, on the stream console warnings use: a start-up warning that
// has not appeared before this line never will.
console.warn("SMOKE MODULE EVALUATED");

export default {
  fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
    if (new URL(request.url).pathname === "/_runtime") {
      return Promise.resolve(Response.json({ process: typeof (globalThis as { process?: unknown }).process }));
    }
    if (new URL(request.url).pathname === "/_checkout-without-origin") {
      try {
        siglumeCheckoutFetchHandler({ orders: memoryOrderStore({ orders: [], owns: () => true }), merchant: "smoke_merchant", merchantAuthToken: "t" });
        return Promise.resolve(Response.json({ built: true }));
      } catch (error) {
        return Promise.resolve(Response.json({ name: (error as Error).name, message: (error as Error).message }));
      }
    }
    return app(request, env, ctx);
  },
};
