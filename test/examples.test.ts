// The example apps refuse to start in production without their secret (the demo secret is public), and
// their checkout without the merchant's own settings (the sandbox's would send shoppers nowhere real).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { FRAMEWORKS, SENDER_EXAMPLES, root } from "../scripts/lib/examples.mjs";

const SENDER_SECRET = { adyen: "ADYEN_HMAC_KEY", pomelo: "POMELO_API_SECRET", cleartx: "CLEARTX_WEBHOOK_TOKEN" } as const;
const examples = [
  ...FRAMEWORKS.map((name) => [name, "SIGLUME_WEBHOOK_SECRET"] as const),
  ...(Object.keys(SENDER_SECRET) as (keyof typeof SENDER_SECRET)[]).flatMap((sender) =>
    SENDER_EXAMPLES[sender].map((name) => [name, SENDER_SECRET[sender]] as const),
  ),
];
const SETTINGS = ["SIGLUME_WEBHOOK_SECRET", "SIGLUME_DIRECT_PAYMENT_MERCHANT", "SIGLUME_MERCHANT_AUTH_TOKEN", "SHOP_PUBLIC_ORIGIN", "SIGLUME_API_BASE", "ADYEN_HMAC_KEY", "ADYEN_WEBHOOK_PASSWORD", "POMELO_API_SECRET", "CLEARTX_WEBHOOK_TOKEN"];

/** Runs an example as in production with `env` (every setting above unset unless given); its exit code and output. */
async function runInProduction(framework: string, env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)));
  const cwd = `${root}examples/${framework}`;
  const child = spawn(`${cwd}/node_modules/.bin/tsx`, ["src/server.ts"], {
    cwd,
    env: { ...inherited, ...env, NODE_ENV: "production", PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const [code] = await once(child, "exit");
  return { code, output };
}

describe.each(examples)("examples/%s", (framework, variable) => {
  it(`exits 1 naming ${variable} when NODE_ENV=production and it is not set`, async () => {
    const { code, output } = await runInProduction(framework, {});
    expect(code).toBe(1);
    expect(output).toContain(`refusing to start: ${variable} is not set`);
    expect(output).not.toMatch(/listening/);
  }, 30_000);
});

describe.each(FRAMEWORKS)("examples/%s checkout in production", (framework) => {
  const real = { SIGLUME_WEBHOOK_SECRET: "whsec_real", SIGLUME_DIRECT_PAYMENT_MERCHANT: "shop_merchant", SIGLUME_MERCHANT_AUTH_TOKEN: "real_token", SHOP_PUBLIC_ORIGIN: "https://shop.example" };
  it("never falls back to the sandbox's merchant, token or origin: exits 1 naming each missing one", async () => {
    const names = ["SIGLUME_DIRECT_PAYMENT_MERCHANT", "SIGLUME_MERCHANT_AUTH_TOKEN", "SHOP_PUBLIC_ORIGIN"];
    const without = (name: string) => Object.fromEntries(Object.entries(real).filter(([key]) => key !== name));
    const runs = await Promise.all(names.map((name) => runInProduction(framework, without(name))));
    for (const [i, { code, output }] of runs.entries()) {
      const missing = names[i]!;
      expect(code, missing).toBe(1);
      expect(output).toContain(`refusing to start: ${missing} is not set and NODE_ENV=production`);
      expect(output).not.toMatch(/listening/);
      expect(output).not.toContain("real_token");
    }
  }, 60_000);
});
