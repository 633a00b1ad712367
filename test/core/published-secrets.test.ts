// The webhook secrets this project publishes (the local sandbox's default, which `siglume-webhooks sandbox` tells
// you to put in your app's environment, and the examples' demo secret) sign anything for anyone. An app started
// with NODE_ENV=production on one of them (a .env copied from local development) refuses to start, and the
// function API refuses to verify with one; outside production they work as before.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";

let sandbox: SiglumeSandbox;
beforeAll(async () => {
  sandbox = await startSiglumeSandbox({ webhookUrl: "http://127.0.0.1:9/webhooks/siglume", port: 0 });
});
afterAll(() => sandbox?.close());

/** A fresh Node process with `env`: builds the Siglume provider (secret from the environment) and verifies with the function API. */
function startApp(env: Record<string, string>, secretForVerify = env.SIGLUME_WEBHOOK_SECRET!) {
  const script = `
    const { siglumeWebhooks, signSiglumeWebhook, verifySiglumeWebhook } = require("@siglume-middleware/core");
    const out = {};
    try {
      siglumeWebhooks({ onDirectPaymentConfirmed() {}, onReview() {}, idempotencyStore: { claim: async () => ({ status: "in_flight" }) } });
      out.started = true;
    } catch (error) { out.started = false; out.name = error.name; out.message = error.message; }
    const body = JSON.stringify({ id: "evt_1", type: "direct_payment.spent", api_version: "v", occurred_at: "o", data: {} });
    const secret = ${JSON.stringify(secretForVerify)};
    try { verifySiglumeWebhook(body, signSiglumeWebhook(secret, body), { secret }); out.verified = true; }
    catch (error) { out.verified = false; out.verifyMessage = error.message; }
    process.stdout.write(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ["-e", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH!, ...env },
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as { started: boolean; name?: string; message?: string; verified: boolean; verifyMessage?: string };
}

it("an app given the sandbox's printed environment refuses to start with NODE_ENV=production, naming the fix", () => {
  expect(sandbox.env.SIGLUME_WEBHOOK_SECRET).toBe("whsec_sandbox_local");
  const app = startApp({ ...sandbox.env, NODE_ENV: "production" });
  expect(app).toMatchObject({ started: false, name: "SiglumeConfigurationError", verified: false });
  expect(app.message).toMatch(/local sandbox's public secret/);
  expect(app.message).toMatch(/NODE_ENV=production/);
  expect(app.message).toMatch(/SIGLUME_WEBHOOK_SECRET/);
  expect(app.verifyMessage).toBe(app.message!.replace(/^siglume-middleware: /, ""));
});

it("so does one with the examples' demo secret, or either among rotated secrets", () => {
  const demo = startApp({ NODE_ENV: "production", SIGLUME_WEBHOOK_SECRET: "whsec_demo_secret" });
  expect(demo).toMatchObject({ started: false, verified: false });
  expect(demo.message).toMatch(/examples' public demo secret/);
  // Rotation through the function API: a list holding a published secret is refused as a whole.
  const script = `
    const { verifySiglumeWebhook } = require("@siglume-middleware/core");
    try { verifySiglumeWebhook("{}", "t=1,v1=${"0".repeat(64)}", { secret: ["whsec_real_one_from_the_dashboard", "whsec_sandbox_local"] }); }
    catch (error) { process.stdout.write(error.name + ": " + error.message); }`;
  const rotated = spawnSync(process.execPath, ["-e", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH!, NODE_ENV: "production" },
    encoding: "utf8",
  });
  expect(rotated.stdout).toMatch(/^TypeError: .*local sandbox's public secret/);
});

it("outside production the published secrets work as before, and in production a secret of your own does", () => {
  expect(startApp({ ...sandbox.env, NODE_ENV: "development" })).toEqual({ started: true, verified: true });
  expect(startApp({ ...sandbox.env })).toEqual({ started: true, verified: true });
  expect(startApp({ NODE_ENV: "production", SIGLUME_WEBHOOK_SECRET: "whsec_0d1b7a9c55e04f6e8b2a" })).toEqual({ started: true, verified: true });
});
