import { isProduction } from "../engine/environment.js";

/**
 * The local sandbox's webhook secret unless `--secret` says otherwise (`siglume-webhooks sandbox` prints it for
 * your app's environment). It is public: it only ever belongs in local development.
 */
export const SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_local";

/** The examples' demo secret, used when SIGLUME_WEBHOOK_SECRET is unset (public, in the README). */
export const DEMO_WEBHOOK_SECRET = "whsec_demo_secret";

const PUBLISHED: ReadonlyMap<string, string> = new Map([
  [SANDBOX_WEBHOOK_SECRET, `the local sandbox's public secret ("${SANDBOX_WEBHOOK_SECRET}", printed by \`siglume-webhooks sandbox\`)`],
  [DEMO_WEBHOOK_SECRET, `the examples' public demo secret ("${DEMO_WEBHOOK_SECRET}")`],
]);

/**
 * Why `secrets` may not verify webhooks here, or undefined: with NODE_ENV=production, a secret this project
 * publishes (the sandbox's default, the examples' demo secret) would let anyone sign deliveries, so it is
 * refused, typically an environment copied from local development. Elsewhere they are what local runs use.
 */
export function publishedSecretProblem(secrets: readonly string[]): string | undefined {
  if (!isProduction()) return undefined;
  for (const secret of secrets) {
    const which = PUBLISHED.get(secret);
    if (which !== undefined) {
      return (
        `The webhook secret is ${which}, and NODE_ENV=production: anyone could sign webhooks this app would act on. ` +
        "Set SIGLUME_WEBHOOK_SECRET (or webhookSecret) to the signing secret of this endpoint from Siglume's dashboard; " +
        "an environment copied from local development is the likely cause."
      );
    }
  }
  return undefined;
}
