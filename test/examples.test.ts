// The example apps refuse to start in production without their secret: the demo secret is public.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { FRAMEWORKS, root } from "../scripts/lib/examples.mjs";

const examples = [...FRAMEWORKS.map((name) => [name, "SIGLUME_WEBHOOK_SECRET"] as const), ["adyen", "ADYEN_HMAC_KEY"] as const];

describe.each(examples)("examples/%s", (framework, variable) => {
  it(`exits 1 naming ${variable} when NODE_ENV=production and it is not set`, async () => {
    const { SIGLUME_WEBHOOK_SECRET: _unset, ADYEN_HMAC_KEY: _key, ADYEN_WEBHOOK_PASSWORD: _password, ...env } = process.env;
    const cwd = `${root}examples/${framework}`;
    const child = spawn(`${cwd}/node_modules/.bin/tsx`, ["src/server.ts"], {
      cwd,
      env: { ...env, NODE_ENV: "production", PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(output).toContain(`refusing to start: ${variable} is not set`);
    expect(output).not.toMatch(/listening/);
  }, 30_000);
});
