// The example apps refuse to start in production without their secret: the demo secret is public.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { FRAMEWORKS, root } from "../scripts/lib/examples.mjs";

describe.each(FRAMEWORKS)("examples/%s", (framework) => {
  it("exits 1 naming SIGLUME_WEBHOOK_SECRET when NODE_ENV=production and no secret is set", async () => {
    const { SIGLUME_WEBHOOK_SECRET: _unset, ...env } = process.env;
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
    expect(output).toMatch(/refusing to start: SIGLUME_WEBHOOK_SECRET is not set/);
    expect(output).not.toMatch(/listening/);
  }, 30_000);
});
