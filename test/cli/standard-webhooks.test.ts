// `siglume-webhooks send standard` and `deliver standard` as a real subprocess against a real app mounting
// standardWebhooks() (Express, loopback HTTP).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/apps.js";
import { runCli as cli } from "../support/cli.js";
import { providerAdapters } from "../support/provider-apps.js";

const SECRET = "whsec_Y2xpLXN0YW5kYXJkLXNlY3JldC0wMTIzNDU2Nzg5";
const quiet = { info() {}, warn() {}, error() {} };

describe("siglume-webhooks send standard", () => {
  const express = providerAdapters.find((adapter) => adapter.name === "express")!;
  const events: { id: string; type: unknown }[] = [];
  let app: RunningApp;
  let failNext = 0;
  beforeAll(async () => {
    app = await express.startStandard({
      secret: SECRET,
      logger: quiet,
      onError() {},
      onEvent(event, ctx) {
        if (failNext > 0) {
          failNext -= 1;
          throw new Error("not yet");
        }
        events.push({ id: ctx.eventId, type: event.type });
      },
    });
  });
  afterAll(() => app?.close());
  const url = () => `${app.url}/webhooks/standard`;
  const idOf = (stdout: string) => stdout.match(/Standard Webhooks test\.event (msg_\w+)/)?.[1];

  it("--repeat 3 sends one event three times: 204 each, handled once", async () => {
    const run = await cli(["send", "standard", "--url", url(), "--secret", SECRET, "--repeat", "3"]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/ 204 /g)).toHaveLength(3);
    const id = idOf(run.stdout);
    expect(events.filter((event) => event.id === id)).toEqual([{ id, type: "test.event" }]);
  });

  it("--svix sends svix-* headers; STANDARD_WEBHOOK_SECRET stands in for --secret", async () => {
    const run = await cli(["send", "standard", "--url", url(), "--svix"], { env: { STANDARD_WEBHOOK_SECRET: SECRET } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("(svix-* headers)");
    expect(events.map((event) => event.id)).toContain(idOf(run.stdout));
  });

  it("deliver --retry signs each attempt afresh with the same webhook-id until the handler succeeds", async () => {
    failNext = 1;
    const run = await cli(["deliver", "standard", "--url", url(), "--secret", SECRET, "--retry", "--base-delay-ms", "1", "--max-delay-ms", "5"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/attempt 1\/6 500 .*attempt 2\/6 204/s);
    expect(events.filter((event) => event.id === idOf(run.stdout))).toHaveLength(1);
  });

  it("another secret: 401 with the mismatch code, exit 1; no secret or a malformed one: bad usage, exit 2", async () => {
    const wrong = await cli(["send", "standard", "--url", url(), "--secret", "whsec_b3RoZXItY2xpLXNlY3JldC0wMTIzNDU2Nzg5"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/401 .*STANDARD_WEBHOOK_SIGNATURE_MISMATCH/);
    const missing = await cli(["send", "standard", "--url", url()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--secret whsec_… .* or set STANDARD_WEBHOOK_SECRET/);
    const malformed = await cli(["send", "standard", "--url", url(), "--secret", "not a secret"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--secret must be a Standard Webhooks secret/);
  });
});
