// Kept apart from demo-secret.ts, which exits the process: the Next.js example's edge route imports this file,
// and the edge runtime has no process.exit.

/**
 * Whether the example runs in production (NODE_ENV=production). Not while `next build` loads the Next.js example's
 * route files to read their configuration (with NODE_ENV=production, usually without the server's secrets):
 * nothing is served then, and the server checks its settings when it starts (examples/nextjs/instrumentation.ts).
 */
export const inProduction = (): boolean => process.env.NODE_ENV === "production" && !duringNextBuild();

/** NEXT_PHASE is read only where it may be: Deno refuses a variable its --allow-env list does not name. */
export function duringNextBuild(): boolean {
  try {
    return process.env.NEXT_PHASE === "phase-production-build";
  } catch {
    return false; // not allowed to read it: not Next.js
  }
}

/** The examples' public Siglume webhook secret for local runs (the demo's and the sandbox CLI's default). */
export const DEMO_WEBHOOK_SECRET = "whsec_demo_secret";

/**
 * The webhook secret when SIGLUME_WEBHOOK_SECRET is unset: the demo's for local runs, none in production. While
 * `next build` loads the route files (NODE_ENV=production, nothing served) a placeholder no one can sign with:
 * the core refuses the public demo secret under NODE_ENV=production, and the server checks the real one when
 * it starts.
 */
export const fallbackWebhookSecret = (): string | undefined =>
  duringNextBuild() ? `whsec_next_build_${crypto.randomUUID()}` : inProduction() ? undefined : DEMO_WEBHOOK_SECRET;
