// The Adyen and Pomelo examples, on Express/Koa (examples/adyen, examples/pomelo) and on NestJS
// (examples/nestjs-adyen, examples/nestjs-pomelo), as real subprocesses driven by `siglume-webhooks send`
// (a real subprocess too): the documented behaviour holds in each. ClearTX's: cli/cleartx.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENDER_EXAMPLES, startExample } from "../../scripts/lib/examples.mjs";
import { runCli as cli } from "../support/cli.js";
import { until } from "../support/timing.js";

type Example = { origin: string; output: () => string; stop: () => Promise<void> };
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

// The examples' demo credentials (the same the demo uses).
const ADYEN = ["--hmac-key", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", "--basic-auth", "adyen-demo:demo-password"];
const POMELO = ["--api-key", "pk_demo_pomelo", "--api-secret", "ZGVtby1wb21lbG8tYXBpLXNlY3JldC0wMTIzNDU2Nzg5"];

describe.each(SENDER_EXAMPLES.adyen)("examples/%s driven by siglume-webhooks send adyen-*", (example) => {
  let app: Example;
  const url = () => `${app.origin}/webhooks/adyen/authentication`;
  beforeAll(async () => {
    app = await startExample(example);
  }, 60_000);
  afterAll(() => app?.stop());

  it("decides one relayed request sent 5 times at once once, and answers every copy with that decision", async () => {
    const run = await cli(["send", "adyen-relayed", "--repeat", "5", "--concurrency", "5", "--url", url(), ...ADYEN]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(count(run.stdout, /^#\d 200 .*\{"authenticationDecision":\{"status":"proceed"\}\}$/gm)).toBe(5);
    const id = run.stdout.match(/Adyen balancePlatform\.authentication\.relayed (\S+)/)![1]!;
    await until(() => app.output().includes(`relayed ${id}: proceed`), 5000, "the decision's log line");
    expect(count(app.output(), new RegExp(`\\[${example}\\] relayed ${id}:`, "g"))).toBe(1);
  });

  it("records a result Adyen retries 3 times once, [accepted] each time; wrong Basic auth is 401 and runs nothing", async () => {
    const run = await cli(["send", "adyen-result", "--repeat", "3", "--url", url(), ...ADYEN]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(count(run.stdout, /^#\d 200 .*\[accepted\]/gm)).toBe(3);
    const id = run.stdout.match(/Adyen balancePlatform\.authentication\.created (\S+)/)![1]!;
    await until(() => app.output().includes(`result ${id}: authenticated`), 5000, "the result's log line");
    expect(count(app.output(), new RegExp(`\\[${example}\\] result ${id}:`, "g"))).toBe(1);

    const refused = await cli(["send", "adyen-relayed", "--url", url(), ...ADYEN.slice(0, 2), "--basic-auth", "adyen-demo:guess"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/#1 401 .*ADYEN_BASIC_AUTH_MISMATCH/);
    const refusedId = refused.stdout.match(/relayed (\S+)/)![1]!;
    expect(app.output()).not.toContain(refusedId);
  });
});

describe.each(SENDER_EXAMPLES.pomelo)("examples/%s driven by siglume-webhooks send pomelo-*", (example) => {
  let app: Example;
  const url = (route: string) => `${app.origin}/webhooks/pomelo/${route}`;
  beforeAll(async () => {
    app = await startExample(example);
  }, 60_000);
  afterAll(() => app?.stop());

  it("delivers an OTP resent 3 times once; a token update is recorded; another secret is 401 and runs nothing", async () => {
    const otp = await cli(["send", "pomelo-otp", "--repeat", "3", "--url", url("otp"), ...POMELO]);
    expect(otp.code, otp.stdout + otp.stderr).toBe(0);
    expect(count(otp.stdout, /^#\d 204 /gm)).toBe(3);
    await until(() => app.output().includes("OTP for card"), 5000, "the OTP's log line");

    const forged = await cli(["send", "pomelo-otp", "--url", url("otp"), "--api-key", "pk_demo_pomelo", "--api-secret", "b3RoZXItc2VjcmV0LTAxMjM0NTY3ODk="]);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/#1 401 .*POMELO_SIGNATURE_MISMATCH/);

    // Sent last: the app writes its line after every earlier handler's, so once it arrived all of them have.
    const token = await cli(["send", "pomelo-token", "--url", url("tokens"), ...POMELO]);
    expect(token.code, token.stdout + token.stderr).toBe(0);
    await until(() => app.output().includes("] token "), 5000, "the token update's log line");
    expect(count(app.output(), new RegExp(`\\[${example}\\] OTP for card `, "g"))).toBe(1);
    expect(count(app.output(), new RegExp(`\\[${example}\\] token `, "g"))).toBe(1);
  });
});
