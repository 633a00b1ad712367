// `siglume-webhooks send cleartx-…` as a real subprocess against examples/cleartx (Koa) and
// examples/nestjs-cleartx (real subprocesses too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENDER_EXAMPLES, startExample } from "../../scripts/lib/examples.mjs";
import { runCli as cli } from "../support/cli.js";
import { until } from "../support/timing.js";

const TOKEN = ["--header", "x-cleartx-token:demo-token"];

describe.concurrent.each(SENDER_EXAMPLES.cleartx)("siglume-webhooks send cleartx-* against examples/%s", (example) => {
  let app: { origin: string; output: () => string; stop: () => Promise<void> };
  const url = (route: string) => `${app.origin}/v1/notify/${route}`;
  const line = (text: string) => `[${example}] ${text}`;
  beforeAll(async () => {
    app = await startExample(example);
  }, 60_000);
  afterAll(() => app?.stop());

  it.each(["confirmed", "declined", "rejected", "broadcasted", "confirmed-data"])(
    "sends cleartx-%s with the header the app's verifier checks: 200 received, handled",
    async (route) => {
      const run = await cli(["send", `cleartx-${route}`, "--url", url(route), ...TOKEN]);
      expect(run.code).toBe(0);
      const ref = run.stdout.match(/ClearTX \S+ ([0-9a-f-]{36})/)?.[1];
      expect(ref).toBeDefined();
      expect(run.stdout).toMatch(/#1 200 [\d.]+ ms \{"status":"received"\}/);
      await until(() => app.output().includes(ref!), 5000, "the app's log line");
      expect(app.output()).toMatch(new RegExp(`\\[${example}\\] ${route}\\b.* ${ref}`));
    },
  );

  it("--repeat sends one notification 3 times: handled once; without the header: 401, exit 1", async () => {
    const run = await cli(["send", "cleartx-broadcasted", "--url", url("broadcasted"), "--repeat", "3", ...TOKEN]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/ 200 /g)).toHaveLength(3);
    const ref = run.stdout.match(/ClearTX broadcasted ([0-9a-f-]{36})/)![1]!;
    await until(() => app.output().includes(ref), 5000, "the app's log line");
    expect(app.output().split(ref)).toHaveLength(2);

    const refused = await cli(["send", "cleartx-confirmed", "--url", url("confirmed"), "--header", "x-cleartx-token:guess"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/401 .*CLEARTX_VERIFICATION_FAILED/);
  });

  it("a status sent to another endpoint is reviewed by the app and answered 200", async () => {
    const run = await cli(["send", "cleartx-declined", "--url", url("confirmed"), ...TOKEN]);
    expect(run.code).toBe(0);
    await until(() => app.output().includes(line("review confirmed: status_mismatch (status)")), 5000, "the review line");
    const reviews = await (await fetch(`${app.origin}/reviews`)).json();
    expect(reviews).toContainEqual(expect.objectContaining({ route: "confirmed", reason: "status_mismatch", field: "status" }));
  });

  it("refuses a --header without a name as bad usage (exit 2)", async () => {
    const run = await cli(["send", "cleartx-confirmed", "--url", url("confirmed"), "--header", "no-colon"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--header must be name:value/);
  });
});
