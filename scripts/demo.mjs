#!/usr/bin/env node
// `npm run demo [-- express|fastify|koa|nestjs]`: starts an example app with its
// embedded demo secret and drives it with the siglume-webhooks CLI, printing
// what the endpoint answered and what the app did.
import { spawnSync } from "node:child_process";
import { DEMO_SECRET, FRAMEWORKS, root, startExample } from "./lib/examples.mjs";

const framework = process.argv[2] ?? "express";
if (!FRAMEWORKS.includes(framework)) {
  console.error(`error: unknown framework "${framework}": expected one of ${FRAMEWORKS.join(", ")}`);
  process.exit(2);
}

const app = await startExample(framework, {
  onOutput: (chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, "    app │ ")),
});

const cli = `${root}packages/cli/dist/cli.js`;
const steps = [
  ["A settled Standard payment: fulfilled once (204)", ["send", "standard-settled"], 0],
  ["One delivery sent three times, as Siglume redelivers: fulfilled once, acknowledged thrice", ["send", "standard-settled", "--repeat", "3"], 0],
  ["Micro usage without the metered opt-in: acknowledged and sent to review", ["send", "metered-usage-accepted"], 0],
  ["A delivery signed with the wrong secret: refused (401), nothing runs", ["send", "standard-settled", "--secret", "whsec_wrong"], 1],
];
let failures = 0;
for (const [title, args, expectedExit] of steps) {
  console.log(`\n▶ ${title}\n  $ siglume-webhooks ${args.join(" ")} --url ${app.url}`);
  const secret = args.includes("--secret") ? [] : ["--secret", DEMO_SECRET];
  const result = spawnSync(process.execPath, [cli, ...args, "--url", app.url, ...secret], { encoding: "utf8" });
  process.stdout.write((result.stdout + result.stderr).replace(/^(?=.)/gm, "    cli │ "));
  await new Promise((resolve) => setTimeout(resolve, 150)); // let the app's log lines arrive
  if (result.status !== expectedExit) {
    failures += 1;
    console.log(`  ✗ expected exit ${expectedExit}, got ${result.status}`);
  }
}

// Steps 1 and 2 each carry one new payment; the copies in step 2 must not fulfil it again.
const paid = (app.output().match(/ paid: /g) ?? []).length;
console.log(`\n${framework} app fulfilled ${paid} order(s) from ${steps.length} steps (expected 2).`);
if (paid !== 2) failures += 1;
await app.stop();
process.exit(failures === 0 ? 0 : 1);
