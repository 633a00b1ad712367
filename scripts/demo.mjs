#!/usr/bin/env node
// `npm run demo [-- express|fastify|koa|nestjs]`: starts an example app with its
// embedded demo secret and drives it with the siglume-webhooks CLI, printing
// what the endpoint answered and what the app did.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const framework = process.argv[2] ?? "express";
const frameworks = ["express", "fastify", "koa", "nestjs"];
if (!frameworks.includes(framework)) {
  console.error(`error: unknown framework "${framework}": expected one of ${frameworks.join(", ")}`);
  process.exit(2);
}
const secret = "whsec_demo_secret"; // the examples' embedded default

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const url = `http://127.0.0.1:${port}/webhooks/siglume`;

const { SIGLUME_WEBHOOK_SECRET: _ignored, ...env } = process.env;
const server = spawn(`${root}examples/${framework}/node_modules/.bin/tsx`, ["src/server.ts"], {
  cwd: `${root}examples/${framework}`,
  env: { ...env, PORT: String(port) },
  stdio: ["ignore", "pipe", "inherit"],
});
let serverLog = "";
server.stdout.setEncoding("utf8").on("data", (chunk) => {
  serverLog += chunk;
  process.stdout.write(chunk.replace(/^(?=.)/gm, "    app │ "));
});
const stop = () => server.exitCode === null && server.kill("SIGTERM");
process.on("exit", stop);

const deadline = Date.now() + 60_000;
while (!serverLog.includes("listening")) {
  if (server.exitCode !== null || Date.now() > deadline) {
    console.error(`error: the ${framework} example did not start (exit ${server.exitCode})`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const cli = `${root}packages/cli/dist/cli.js`;
const steps = [
  ["A settled Standard payment: fulfilled once (204)", ["send", "standard-settled"], 0],
  ["One delivery sent three times, as Siglume redelivers: fulfilled once, acknowledged thrice", ["send", "standard-settled", "--repeat", "3"], 0],
  ["Micro usage without the metered opt-in: acknowledged and sent to review", ["send", "metered-usage-accepted"], 0],
  ["A delivery signed with the wrong secret: refused (401), nothing runs", ["send", "standard-settled", "--secret", "whsec_wrong"], 1],
];
let failures = 0;
for (const [title, args, expectedExit] of steps) {
  console.log(`\n▶ ${title}\n  $ siglume-webhooks ${args.join(" ")} --url ${url}`);
  const useSecret = args.includes("--secret") ? [] : ["--secret", secret];
  const result = spawnSync(process.execPath, [cli, ...args, "--url", url, ...useSecret], { encoding: "utf8" });
  process.stdout.write((result.stdout + result.stderr).replace(/^(?=.)/gm, "    cli │ "));
  await new Promise((resolve) => setTimeout(resolve, 150)); // let the app's log lines arrive
  if (result.status !== expectedExit) {
    failures += 1;
    console.log(`  ✗ expected exit ${expectedExit}, got ${result.status}`);
  }
}

// Steps 1 and 2 each carry one new payment; the copies in step 2 must not fulfil it again.
const paid = (serverLog.match(/ paid: /g) ?? []).length;
console.log(`\n${framework} app fulfilled ${paid} order(s) from ${steps.length} steps (expected 2).`);
if (paid !== 2) failures += 1;
stop();
process.exit(failures === 0 ? 0 : 1);
