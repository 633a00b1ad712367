#!/usr/bin/env node
// `npm run demo [-- express|fastify|koa|nestjs|nextjs|hono [node|bun|deno]]`: starts an example app with its
// embedded demo secret and drives it with the siglume-webhooks CLI, printing
// what the endpoint answered and what the app did; then runs a whole payment
// through `siglume-webhooks sandbox`: checkout start → hosted page → confirm →
// signed webhook → order paid once. Then the Adyen, Pomelo and ClearTX examples, each on Express or
// Koa and on NestJS. The Hono example runs on Node by default, or on the runtime named after it.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DEMO_SECRET, FRAMEWORKS, MULTI_RUNTIME_EXAMPLES, SENDER_EXAMPLES, freePort, root, startExample, startSandbox } from "./lib/examples.mjs";
import { RUNTIMES } from "./lib/runtimes.mjs";

const framework = process.argv[2] ?? "express";
const runtime = process.argv[3] ?? "node";
if (!FRAMEWORKS.includes(framework)) {
  console.error(`error: unknown framework "${framework}": expected one of ${FRAMEWORKS.join(", ")}`);
  process.exit(2);
}
if (!RUNTIMES.includes(runtime) || (runtime !== "node" && !MULTI_RUNTIME_EXAMPLES.includes(framework))) {
  console.error(`error: the ${framework} example runs on ${MULTI_RUNTIME_EXAMPLES.includes(framework) ? RUNTIMES.join(", ") : "node"}, not "${runtime}"`);
  process.exit(2);
}

// The Next.js example runs as production (`next start`), where the core refuses the public demo secret: it gets
// a secret of this run's own, as a deployment would.
const siglumeSecret = framework === "nextjs" ? `whsec_${randomBytes(24).toString("base64")}` : DEMO_SECRET;

const indent = (label) => (chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, `    ${label} │ `));

/** The example app with its own sandbox: the sandbox delivers to the app, the app's checkout calls the sandbox. */
async function startShop({ metered = false } = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({ webhookUrl: `${origin}/webhooks/siglume`, origin, secret: siglumeSecret, onOutput: indent("sandbox") });
  const app = await startExample(framework, {
    runtime,
    port,
    env: { ...sandbox.env, ...(metered ? { SIGLUME_ALLOW_METERED: "1" } : {}) },
    onOutput: indent(metered ? "app (metered)" : "app"),
  });
  return { app, sandbox, origin, stop: () => Promise.all([app.stop(), sandbox.stop()]) };
}

const shop = await startShop();
const { app } = shop;

const cli = `${root}packages/cli/dist/cli.js`;
const steps = [
  ["A settled Standard payment for no checkout of this shop: acknowledged (204), recorded for review, never fulfilled", ["send", "standard-settled"], 0],
  ["One such delivery sent three times, as Siglume redelivers: reviewed once, acknowledged thrice", ["send", "standard-settled", "--repeat", "3"], 0],
  ["Micro usage without the metered opt-in: acknowledged and sent to review", ["send", "metered-usage-accepted"], 0],
  ["A delivery signed with the wrong secret: refused (401), nothing runs", ["send", "standard-settled", "--secret", "whsec_wrong"], 1],
];
let failures = 0;
for (const [title, args, expectedExit] of steps) {
  console.log(`\n▶ ${title}\n  $ siglume-webhooks ${args.join(" ")} --url ${app.url}`);
  const secret = args.includes("--secret") ? [] : ["--secret", siglumeSecret];
  const result = spawnSync(process.execPath, [cli, ...args, "--url", app.url, ...secret], { encoding: "utf8" });
  process.stdout.write((result.stdout + result.stderr).replace(/^(?=.)/gm, "    cli │ "));
  await new Promise((resolve) => setTimeout(resolve, 150)); // let the app's log lines arrive
  if (result.status !== expectedExit) {
    failures += 1;
    console.log(`  ✗ expected exit ${expectedExit}, got ${result.status}`);
  }
}

// Steps 1 and 2 each carry one payment no checkout of the app created: reviewed once each (the copies in
// step 2 are not handled again), fulfilled never; step 3 is reviewed as metered usage.
const reviewed = (reason) => (app.output().match(new RegExp(`review: event \\S+ \\(${reason}\\)`, "g")) ?? []).length;
const fulfilled = (app.output().match(/ is paid /g) ?? []).length;
const reviews = await (await fetch(`${app.origin}/reviews`)).json();
console.log(
  `\n${framework} app from ${steps.length} steps: ${reviewed("unknown_challenge_hash")} payment(s) for no checkout reviewed (expected 2), ` +
    `${reviewed("metered_integration_required")} metered usage reviewed (expected 1), ${fulfilled} fulfilled (expected 0); GET /reviews lists ${reviews.length}.`,
);
if (reviewed("unknown_challenge_hash") !== 2 || reviewed("metered_integration_required") !== 1 || fulfilled !== 0 || reviews.length !== 3) failures += 1;

// A whole payment through the sandbox, as a shopper's browser and Siglume would drive it.
const settle = () => new Promise((resolve) => setTimeout(resolve, 200)); // let log lines arrive
const check = (ok, what) => {
  console.log(`  ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) failures += 1;
};
async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-demo-shopper": "demo-shopper" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  console.log(`    ${method} ${url.replace(/^http:\/\/127\.0\.0\.1:\d+/, "")} → ${response.status} ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
  return { status: response.status, text, json: () => JSON.parse(text) };
}
const start = (s, orderId) => call("POST", `${s.origin}/checkout/siglume/start`, { order_id: orderId });
const order = async (s, orderId) => (await call("GET", `${s.origin}/orders/${orderId}`)).json();
const sessionAction = (s, id, action) => call("POST", `${s.sandbox.url}/v1/sandbox/checkout-sessions/${id}/${action}`);
const paidLines = (s, orderId) => (s.app.output().match(new RegExp(`order ${orderId} is paid`, "g")) ?? []).length;

console.log("\n▶ Checkout: start a Standard order (JPY 1,200), open the hosted page, confirm");
const started = await start(shop, "ord_standard");
check(started.status === 200, "the start route answered 200 with checkout_url");
const { checkout_url: checkoutUrl, session_id: sessionId } = started.status === 200 ? started.json() : {};
const page = await fetch(checkoutUrl ?? shop.sandbox.url);
check(page.status === 200 && (await page.text()).includes('id="confirm"'), `the hosted page ${checkoutUrl} shows a confirm button`);
const confirmed = await sessionAction(shop, sessionId, "confirm");
check(confirmed.status === 200, "confirmed: Siglume (the sandbox) delivered the signed direct_payment.confirmed");
await settle();
check((await order(shop, "ord_standard"))?.status === "paid" && paidLines(shop, "ord_standard") === 1, "the order is paid, once");

console.log("\n▶ Checkout: Siglume redelivers the same event");
const redelivered = await sessionAction(shop, sessionId, "redeliver");
await settle();
check(redelivered.status === 200 && paidLines(shop, "ord_standard") === 1, "acknowledged again, and the order is still paid once");
check((await start(shop, "ord_standard")).status === 409, "a new start for the paid order answers 409 ORDER_ALREADY_PAID");

console.log("\n▶ Checkout: a Micro-priced order (JPY 300) on a Standard-only shop");
const refused = await start(shop, "ord_micro");
check(refused.status === 409 && refused.text.includes("METERED_INTEGRATION_REQUIRED"), "refused at start: 409 METERED_INTEGRATION_REQUIRED, no session");

console.log("\n▶ Checkout: the same Micro order on a shop with allowMeteredPayments: true");
const meteredShop = await startShop({ metered: true });
const micro = await start(meteredShop, "ord_micro");
check(micro.status === 200, "accepted at start");
if (micro.status === 200) await sessionAction(meteredShop, micro.json().session_id, "confirm");
await settle();
check((await order(meteredShop, "ord_micro"))?.status === "fulfilled_unsettled", "routed as usage: fulfilled, settlement pending (metered_usage_accepted)");

await Promise.all([shop.stop(), meteredShop.stop()]);

/** Runs a sender's steps against one of its examples: [title, args, url, expected exit, expected stdout]. */
async function driveSender(example, steps) {
  const app = await startExample(example, { onOutput: indent(example) });
  for (const [title, args, url, expectedExit, expectedOutput] of steps(app.origin)) {
    console.log(`\n▶ ${example}: ${title}\n  $ siglume-webhooks ${args.join(" ")} --url ${url}`);
    const result = spawnSync(process.execPath, [cli, ...args, "--url", url], { encoding: "utf8" });
    process.stdout.write((result.stdout + result.stderr).replace(/^(?=.)/gm, "    cli │ "));
    await settle();
    check(result.status === expectedExit && expectedOutput.test(result.stdout), `exit ${expectedExit}, answered ${expectedOutput.source}`);
  }
  return app;
}
const count = (app, pattern) => (app.output().match(pattern) ?? []).length;

// Adyen's relayed 3-D Secure authentication on the same engine: a decision due within 2 s.
const ADYEN_ARGS = ["--hmac-key", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", "--basic-auth", "adyen-demo:demo-password"];
for (const example of SENDER_EXAMPLES.adyen) {
  const adyen = await driveSender(example, (origin) => {
    const url = `${origin}/webhooks/adyen/authentication`;
    return [
      ["a relayed authentication, decided by the app within 1.5 s", ["send", "adyen-relayed", ...ADYEN_ARGS], url, 0, /"status":"proceed"/],
      ["the same relayed request 5 times at once: decided once, the same answer to every copy", ["send", "adyen-relayed", "--repeat", "5", "--concurrency", "5", ...ADYEN_ARGS], url, 0, /"status":"proceed"/],
      ["a result notification Adyen retries 3 times: handled once, [accepted] thrice", ["send", "adyen-result", "--repeat", "3", ...ADYEN_ARGS], url, 0, /\[accepted\]/],
      ["wrong Basic auth: 401, nothing runs", ["send", "adyen-relayed", ...ADYEN_ARGS.slice(0, 2), "--basic-auth", "adyen-demo:guess"], url, 1, /ADYEN_BASIC_AUTH_MISMATCH/],
    ];
  });
  const decided = count(adyen, /\] relayed /g);
  const results = count(adyen, /\] result /g);
  check(decided === 2 && results === 1, `${example} decided 2 relayed requests and recorded 1 result (saw ${decided} and ${results})`);
  await adyen.stop();
}

// Pomelo's tokenization OTPs on the same engine: every verified OTP reaches the app, once, and its code
// never reaches a log line.
const POMELO_ARGS = ["--api-key", "pk_demo_pomelo", "--api-secret", "ZGVtby1wb21lbG8tYXBpLXNlY3JldC0wMTIzNDU2Nzg5"];
for (const example of SENDER_EXAMPLES.pomelo) {
  const pomelo = await driveSender(example, (origin) => [
    ["a tokenization OTP, resent 3 times: delivered once", ["send", "pomelo-otp", "--repeat", "3", ...POMELO_ARGS], `${origin}/webhooks/pomelo/otp`, 0, /#3 204/],
    ["a token lifecycle update", ["send", "pomelo-token", ...POMELO_ARGS], `${origin}/webhooks/pomelo/tokens`, 0, /#1 204/],
    ["signed with another secret: 401, nothing runs", ["send", "pomelo-otp", "--api-key", "pk_demo_pomelo", "--api-secret", "b3RoZXItc2VjcmV0LTAxMjM0NTY3ODk="], `${origin}/webhooks/pomelo/otp`, 1, /POMELO_SIGNATURE_MISMATCH/],
  ]);
  const otps = count(pomelo, /\] OTP for card /g);
  const tokens = count(pomelo, /\] token /g);
  check(otps === 1 && tokens === 1, `${example} delivered 1 OTP and recorded 1 token update (saw ${otps} and ${tokens})`);
  await pomelo.stop();
}

// ClearTX's travel-rule notifications: the app's own verify (ClearTX's scheme is not public), five endpoints.
const CLEARTX_TOKEN = ["--header", "x-cleartx-token:demo-token"];
for (const example of SENDER_EXAMPLES.cleartx) {
  const clearTx = await driveSender(example, (origin) => {
    const url = (route) => `${origin}/v1/notify/${route}`;
    return [
      ["a CONFIRMED notification, passed by the app's verify: 200 received", ["send", "cleartx-confirmed", ...CLEARTX_TOKEN], url("confirmed"), 0, /\{"status":"received"\}/],
      ["a BROADCASTED notification ClearTX retries 3 times: handled once, 200 thrice", ["send", "cleartx-broadcasted", "--repeat", "3", ...CLEARTX_TOKEN], url("broadcasted"), 0, /\{"status":"received"\}/],
      ["a DECLINED notification posted to /confirmed: reviewed, and still 200 (ClearTX would retry a 4xx for 24 hours)", ["send", "cleartx-declined", ...CLEARTX_TOKEN], url("confirmed"), 0, /\{"status":"received"\}/],
      ["a notification the app's verify refuses: 401, nothing runs", ["send", "cleartx-confirmed", "--header", "x-cleartx-token:guess"], url("confirmed"), 1, /CLEARTX_VERIFICATION_FAILED/],
    ];
  });
  const handled = count(clearTx, new RegExp(`\\[${example}\\] (confirmed|broadcasted) `, "g"));
  const clearTxReviews = count(clearTx, new RegExp(`\\[${example}\\] review confirmed: status_mismatch`, "g"));
  check(handled === 2 && clearTxReviews === 1, `${example} handled 2 notifications and reviewed 1 (saw ${handled} and ${clearTxReviews})`);
  await clearTx.stop();
}
console.log(failures === 0 ? `\n${framework}: every demo step passed.` : `\n${framework}: ${failures} demo step(s) failed.`);
process.exit(failures === 0 ? 0 : 1);
