// An example run as in production with only the settings a test gives it, and the cases every example passes
// there: it refuses to start rather than run on a public demo value.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { expect, it } from "vitest";
import { exampleCommand } from "../../scripts/lib/examples.mjs";
import type { Runtime } from "../../scripts/lib/runtimes.mjs";
import { freePort } from "./servers.js";

/** Every setting an example reads; runInProduction unsets those the test does not give. */
const SETTINGS = [
  "SIGLUME_WEBHOOK_SECRET",
  "SIGLUME_DIRECT_PAYMENT_MERCHANT",
  "SIGLUME_MERCHANT_AUTH_TOKEN",
  "SHOP_PUBLIC_ORIGIN",
  "SIGLUME_API_BASE",
  "ADYEN_HMAC_KEY",
  "ADYEN_WEBHOOK_PASSWORD",
  "POMELO_API_SECRET",
  "CLEARTX_WEBHOOK_TOKEN",
];

/** Runs an example as in production with `env` (every setting above unset unless given); its exit code and output. */
async function runInProduction(framework: string, runtime: Runtime, env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)));
  const port = await freePort();
  const run = exampleCommand(framework, { runtime, port });
  const child = spawn(run.command, run.args, {
    cwd: run.cwd,
    env: { ...inherited, ...run.env, ...env, NODE_ENV: "production", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const [code] = await once(child, "exit");
  return { code, output };
}

/**
 * An example exits 1 naming `secretVariable` when it is unset in production; with `checkout`, it also never falls
 * back to the sandbox's merchant, token or origin. Call inside a describe (after any build the example needs).
 */
export function productionRefusalCases(
  framework: string,
  secretVariable: string,
  { checkout, runtime = "node" }: { checkout: boolean; runtime?: Runtime },
) {
  it(`exits 1 naming ${secretVariable} when NODE_ENV=production and it is not set`, async () => {
    const { code, output } = await runInProduction(framework, runtime, {});
    expect(code).toBe(1);
    expect(output).toContain(`refusing to start: ${secretVariable} is not set`);
    expect(output).not.toMatch(/listening/);
  }, 30_000);

  if (!checkout) return;
  it("never falls back to the sandbox's merchant, token or origin: exits 1 naming each missing one", async () => {
    const real = { SIGLUME_WEBHOOK_SECRET: "whsec_real", SIGLUME_DIRECT_PAYMENT_MERCHANT: "shop_merchant", SIGLUME_MERCHANT_AUTH_TOKEN: "real_token", SHOP_PUBLIC_ORIGIN: "https://shop.example" };
    const names = ["SIGLUME_DIRECT_PAYMENT_MERCHANT", "SIGLUME_MERCHANT_AUTH_TOKEN", "SHOP_PUBLIC_ORIGIN"];
    const without = (name: string) => Object.fromEntries(Object.entries(real).filter(([key]) => key !== name));
    const runs = await Promise.all(names.map((name) => runInProduction(framework, runtime, without(name))));
    for (const [i, { code, output }] of runs.entries()) {
      const missing = names[i]!;
      expect(code, missing).toBe(1);
      expect(output).toContain(`refusing to start: ${missing} is not set and NODE_ENV=production`);
      expect(output).not.toMatch(/listening/);
      expect(output).not.toContain("real_token");
    }
  }, 60_000);
}
