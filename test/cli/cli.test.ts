import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSiglumeWebhook } from "@siglume-middleware/core";
import { siglumeEvents } from "@siglume-middleware/testing";
import { DEMO_SECRET, root, startExample } from "../../scripts/lib/examples.mjs";
import { runCli as cli, type CliRun as Run } from "../support/cli.js";
import { until } from "../support/timing.js";

const noStackTrace = (run: Run) => {
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
};

describe("siglume-webhooks against the real example servers", () => {
  const apps: Record<string, { url: string; output: () => string; stop: () => Promise<void> }> = {};
  beforeAll(async () => {
    await Promise.all(
      ["express", "fastify", "koa", "nestjs"].map(async (name) => (apps[name] = await startExample(name))),
    );
  }, 90_000);
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  });

  const reviewsOf = async (app: { url: string }) => (await fetch(app.url.replace("/webhooks/siglume", "/reviews"))).json();

  it("express: send handles once (a payment for no checkout of the app: reviewed, not fulfilled), --repeat redelivers the same event, colour only on a TTY", async () => {
    const run = await cli(["send", "standard-settled", "--url", apps.express!.url, "--secret", DEMO_SECRET, "--repeat", "4", "--concurrency", "2"]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^#\d 204 \d+\.\d ms$/gm)).toHaveLength(4);
    expect(run.stdout).not.toContain("\u001b[");
    // The app logs a review before it answers; its output reaches this process through a pipe.
    const reviewLines = () => apps.express!.output().match(/\[express\] review: event evt_\w+ \(unknown_challenge_hash\)/g) ?? [];
    await until(() => reviewLines().length > 0, 10_000, "the app's review line");
    // Only this case sends to the express app: four deliveries of one event, one review, nothing paid.
    expect(reviewLines()).toHaveLength(1);
    expect(apps.express!.output()).not.toMatch(/is paid/);
    expect(await reviewsOf(apps.express!)).toEqual([{ eventId: expect.stringMatching(/^evt_/), reason: "unknown_challenge_hash" }]);
  });

  it("fastify: the wrong secret is refused with 401 and exit 1, printing the error body", async () => {
    const run = await cli(["send", "standard-settled", "--url", apps.fastify!.url, "--secret", "whsec_wrong"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/#1 401 .*SIGNATURE_MISMATCH/);
    expect(apps.fastify!.output()).not.toMatch(/review:|is paid/);
    expect(await reviewsOf(apps.fastify!)).toEqual([]);
  });

  it("koa: sends an event from a JSON file, secret from SIGLUME_WEBHOOK_SECRET", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siglume-cli-"));
    const file = join(dir, "event.json");
    writeFileSync(file, JSON.stringify(siglumeEvents.standardSettled({ id: "evt_from_file" })));
    const run = await cli(["send", file, "--url", apps.koa!.url], { env: { SIGLUME_WEBHOOK_SECRET: DEMO_SECRET } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("event evt_from_file");
    expect(run.stdout).toMatch(/#1 204/);
    expect(await reviewsOf(apps.koa!)).toEqual([{ eventId: "evt_from_file", reason: "unknown_challenge_hash" }]);
  });

  it("nestjs: deliver acknowledges metered usage (routed to review) on the first attempt", async () => {
    const run = await cli(["deliver", "metered-usage-accepted", "--retry", "--url", apps.nestjs!.url, "--secret", DEMO_SECRET]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/attempt 1\/6 204/);
    expect(run.stdout).toContain("delivered after 1 attempt(s)");
    await until(() => /review: event evt_\w+ \(metered_integration_required\)/.test(apps.nestjs!.output()), 10_000, "the app's review line");
    expect(await reviewsOf(apps.nestjs!)).toEqual([{ eventId: expect.stringMatching(/^evt_/), reason: "metered_integration_required" }]);
  });
});

describe("deliver --retry emulates Siglume's sender", () => {
  let server: Server;
  let url: string;
  const seen: { path: string; signature: string; id: string }[] = [];

  beforeAll(async () => {
    // /flaky fails twice then succeeds; /down always fails; /hang never answers.
    const failuresLeft = new Map([["/flaky", 2]]);
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c)).on("end", () => {
        seen.push({ path: req.url!, signature: String(req.headers["siglume-signature"]), id: JSON.parse(body).id });
        if (req.url === "/hang") return;
        const left = failuresLeft.get(req.url!) ?? (req.url === "/down" ? Infinity : 0);
        if (left > 0) {
          failuresLeft.set(req.url!, left - 1);
          res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"STORE_UNAVAILABLE"}}');
        } else res.writeHead(204).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("retries an endpoint that fails twice and succeeds on the third attempt, with the same event id", async () => {
    const run = await cli(["deliver", "standard-settled", "--retry", "--url", `${url}/flaky`, "--secret", "s", "--base-delay-ms", "20", "--max-delay-ms", "50"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/attempt 1\/6 503/);
    expect(run.stdout).toMatch(/attempt 2\/6 503/);
    expect(run.stdout).toMatch(/attempt 3\/6 204/);
    expect(run.stdout.match(/retrying in \d+ ms/g)).toHaveLength(2);
    expect(run.stdout).toContain("delivered after 3 attempt(s)");
    const attempts = seen.filter((s) => s.path === "/flaky");
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
  });

  it("gives up after --max-attempts with exit 1", async () => {
    const run = await cli(["deliver", "spent", "--retry", "--max-attempts", "3", "--url", `${url}/down`, "--secret", "s", "--base-delay-ms", "5"]);
    expect(run.code).toBe(1);
    expect(run.stdout.match(/attempt \d\/3 503/g)).toHaveLength(3);
    expect(run.stdout).toContain("gave up after 3 attempt(s)");
  });

  it("treats a timeout as a failed attempt", async () => {
    const run = await cli(["deliver", "spent", "--retry", "--max-attempts", "2", "--timeout-ms", "200", "--url", `${url}/hang`, "--secret", "s", "--base-delay-ms", "5"]);
    expect(run.code).toBe(1);
    expect(run.stdout.match(/no answer \(timed out after 200 ms\)/g)).toHaveLength(2);
  });
});

describe("sign and verify", () => {
  const body = JSON.stringify(siglumeEvents.standardSettled({ id: "evt_sign" }));
  const now = 1_800_000_000;
  const header = signSiglumeWebhook("whsec_k", body, { timestamp: now });

  it("sign prints the header for a body on standard input", async () => {
    const run = await cli(["sign", "--secret", "whsec_k", "--timestamp", String(now)], { input: body });
    expect(run).toMatchObject({ code: 0, stdout: `${header}\n` });
  });

  it("verify accepts a valid signature and names the classification", async () => {
    const run = await cli(["verify", "--secret", "whsec_k", "--header", header, "--now", String(now), "-"], { input: body });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("valid: event evt_sign (direct_payment.confirmed), classified standard_settled\n");
  });

  it.each([
    ["wrong secret", ["--secret", "whsec_other", "--header", header, "--now", String(now)], body, /^invalid: wrong secret or body changed/],
    ["body re-serialised", ["--secret", "whsec_k", "--header", header, "--now", String(now)], JSON.stringify(JSON.parse(body), null, 2), /^invalid: body changed: .*re-serialised/],
    ["trailing newline added", ["--secret", "whsec_k", "--header", header, "--now", String(now)], `${body}\n`, /^invalid: body changed: .*trailing newline/],
    ["stale timestamp", ["--secret", "whsec_k", "--header", header, "--now", String(now + 1000)], body, /^invalid: stale timestamp: t=1800000000 is 1000 s old \(tolerance 300 s\)/],
    ["future timestamp", ["--secret", "whsec_k", "--header", header, "--now", String(now - 400)], body, /^invalid: stale timestamp: .* 400 s in the future/],
    ["header malformed", ["--secret", "whsec_k", "--header", "v1=abc", "--now", String(now)], body, /^invalid: header malformed: .*no t= timestamp/],
  ])("verify diagnoses: %s (exit 1)", async (_name, args, input, expected) => {
    const run = await cli(["verify", ...args], { input });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(expected);
  });
});

describe("bad input: one clear line, non-zero exit, never a stack trace", () => {
  it.each([
    ["unreachable URL", ["send", "standard-settled", "--url", "http://127.0.0.1:1/x", "--secret", "s"], 3, /cannot reach http:\/\/127\.0\.0\.1:1\/x/],
    ["unknown kind", ["send", "paid-maybe", "--url", "http://127.0.0.1:3000", "--secret", "s"], 2, /unknown kind "paid-maybe"/],
    ["missing secret", ["send", "standard-settled", "--url", "http://127.0.0.1:3000"], 2, /--secret S or set SIGLUME_WEBHOOK_SECRET/],
    ["missing --url", ["send", "standard-settled", "--secret", "s"], 2, /missing --url/],
    ["unknown command", ["launch"], 2, /unknown command "launch"/],
    ["unknown flag", ["sign", "--secret", "s", "--colour"], 2, /Unknown option '--colour'/],
    ["missing file", ["send", "./nope.json", "--url", "http://127.0.0.1:3000", "--secret", "s"], 2, /cannot read \.\/nope\.json: ENOENT/],
    ["Pomelo api secret not base64", ["send", "pomelo-otp", "--url", "http://127.0.0.1:1/x", "--api-key", "k", "--api-secret", "not*base64"], 2, /--api-secret must be the base64 api secret/],
  ])("%s", async (_name, args, exitCode, message) => {
    const run = await cli(args as string[]);
    expect(run.code).toBe(exitCode);
    expect(run.stderr).toMatch(message);
    noStackTrace(run);
  });

  it.each([
    ["send", "standard-settled", "--url", "http://merchant:s3cr3t-pw@127.0.0.1:1/webhooks/siglume", "--secret", "s"],
    ["deliver", "adyen-relayed", "--url", "https://adyen-ws:s3cr3t-pw@shop.example/webhooks/adyen", "--hmac-key", "ABCD"],
    ["sandbox", "--webhook-url", "http://app:s3cr3t-pw@127.0.0.1:3000/webhooks/siglume", "--port", "0"],
  ])("%s with credentials in the URL: refused with exit 2, never echoing the password", async (...args) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/must not carry a user name or password/);
    expect(`${run.stdout}${run.stderr}`).not.toContain("s3cr3t-pw");
    noStackTrace(run);
  });

  it("invalid JSON file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "siglume-cli-")), "bad.json");
    writeFileSync(file, "{ not json");
    const run = await cli(["send", file, "--url", "http://127.0.0.1:3000", "--secret", "s"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.json is not valid JSON/);
    noStackTrace(run);
  });

  it.each(["send", "deliver", "sign", "verify"])("%s --help prints its usage and exits 0", async (command) => {
    const run = await cli([command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: siglume-webhooks ${command}`);
  });

  it.each(["--version", "-v"])("%s prints the package's version and exits 0", async (flag) => {
    const { version } = JSON.parse(readFileSync(`${root}packages/cli/package.json`, "utf8"));
    const run = await cli([flag]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("--help lists commands, kinds and exit codes", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
    expect(run.stdout).toContain("unknown-missing-standard-settlement-fields");
  });
});
