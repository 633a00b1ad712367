/**
 * The webhook secret for the examples: SIGLUME_WEBHOOK_SECRET, else the public demo secret for local
 * runs. With NODE_ENV=production and no secret set, the app refuses to start: a public secret would
 * let anyone forge payments.
 */
export function webhookSecretOrDemo(framework: string): string {
  const secret = process.env.SIGLUME_WEBHOOK_SECRET;
  if (secret) return secret;
  if (process.env.NODE_ENV === "production") {
    console.error(
      `[${framework}] refusing to start: SIGLUME_WEBHOOK_SECRET is not set and NODE_ENV=production. The demo ` +
        "secret is public; set your endpoint's signing secret from Siglume.",
    );
    process.exit(1);
  }
  return "whsec_demo_secret";
}
