// Kept apart from demo-secret.ts, which exits the process: the Next.js example's edge route imports this file,
// and the edge runtime has no process.exit.

/**
 * Whether the example runs in production (NODE_ENV=production). Not while `next build` loads the Next.js example's
 * route files to read their configuration (with NODE_ENV=production, usually without the server's secrets):
 * nothing is served then, and the server checks its settings when it starts (examples/nextjs/instrumentation.ts).
 */
export const inProduction = (): boolean => process.env.NODE_ENV === "production" && !duringNextBuild();

/** NEXT_PHASE is read only where it may be: Deno refuses a variable its --allow-env list does not name. */
function duringNextBuild(): boolean {
  try {
    return process.env.NEXT_PHASE === "phase-production-build";
  } catch {
    return false; // not allowed to read it: not Next.js
  }
}

/** The examples' public Siglume webhook secret for local runs (the demo's and the sandbox CLI's default). */
export const DEMO_WEBHOOK_SECRET = "whsec_demo_secret";
