// No extension: Turbopack (the Next.js example) does not map ".js" to ".ts", and TypeScript reads this folder,
// outside every example's package.json, as CommonJS, where relative imports need none.
import { fallbackWebhookSecret, inProduction } from "./production";

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
  if (inProduction()) {
    console.error(`[${app}] refusing to start: ${variable} is not set and NODE_ENV=production. ${why}`);
    process.exit(1);
  }
  return demo;
}

/** Siglume's webhook signing secret (SIGLUME_WEBHOOK_SECRET), or the demo secret for local runs. */
export const webhookSecretOrDemo = (app: string) => secretOrDemo(app, "SIGLUME_WEBHOOK_SECRET", fallbackWebhookSecret() ?? "");
