/**
 * A secret for the examples: the environment variable when set, else a public demo value for local
 * runs. With NODE_ENV=production and the variable unset, the app refuses to start: a public secret
 * would let anyone forge webhooks.
 */
export function secretOrDemo(
  app: string,
  variable: string,
  demo: string,
  why = "The demo value is public; set the real one from the sender's dashboard.",
): string {
  const secret = process.env[variable];
  if (secret) return secret;
  if (process.env.NODE_ENV === "production") {
    console.error(`[${app}] refusing to start: ${variable} is not set and NODE_ENV=production. ${why}`);
    process.exit(1);
  }
  return demo;
}

/** Siglume's webhook signing secret (SIGLUME_WEBHOOK_SECRET), or the demo secret for local runs. */
export const webhookSecretOrDemo = (app: string) => secretOrDemo(app, "SIGLUME_WEBHOOK_SECRET", "whsec_demo_secret");
