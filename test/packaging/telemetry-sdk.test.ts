// Telemetry with the OpenTelemetry SDK's 3.x line (@opentelemetry/sdk-trace, sdk-metrics 3, API 1.10), which
// needs Node >= 22.15: the rest of the suite runs the 2.x line in process on Node 20 (conformance-telemetry).
// The core's tarball is installed with npm beside API 1.10 and the SDK in a fresh app (no workspace links, so
// the core finds the app's API as a user's install does), and telemetry-app.cjs runs there on Node 22, loading
// everything as ES modules and again with require: the API's ESM and CommonJS builds must see one registration.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { root, run } from "../../scripts/lib/packages.mjs";
import { exec, nodeBinary } from "./apps.js";

const SECRET = "whsec_telemetry_sdk3";
const INSTALLS = ["@opentelemetry/api@~1.10.0", "@opentelemetry/sdk-trace@^3.1.0", "@opentelemetry/sdk-metrics@^3.1.0", "@opentelemetry/context-async-hooks@^3.1.0"];

let dir: string;
let node: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "siglume-otel-sdk3-"));
  const pnpm = [join(root, "scripts/pnpm.mjs"), "--filter", "./packages/core", "pack", "--pack-destination", dir, "--json"];
  const { stdout } = await run(process.execPath, pnpm);
  const tarball = ([JSON.parse(stdout)].flat()[0] as { filename: string }).filename;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "siglume-otel-sdk3", private: true }, null, 2)}\n`);
  const flags = ["--prefix", dir, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];
  const [install, binary] = await Promise.all([exec("npm", ["install", ...flags, tarball, ...INSTALLS], { cwd: dir }), nodeBinary(22, dir)]);
  if (install.code !== 0) throw new Error(`npm install failed (exit ${install.code}):\n${install.output}`);
  node = binary;
  copyFileSync(join(root, "test/packaging/telemetry-app.cjs"), join(dir, "telemetry-app.cjs"));
}, 300_000);
afterAll(() => {
  if (dir && !process.env.SIGLUME_PACKAGING_KEEP) rmSync(dir, { recursive: true, force: true });
});

interface Exported {
  statuses: number[];
  spans: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: Record<string, unknown>; status: number; events: string[] }[];
  points: { metric: string; attributes: Record<string, unknown>; value: number }[];
  logs: { level: string; message: string; trace_id?: string; span_id?: string }[];
  node: string;
}

describe.each(["esm", "cjs"])("SDK 3.x with API 1.10 on Node 22, the app loading everything as %s", (mode) => {
  it("a span per delivery with the contract's attributes, the handler's span its child, the metrics, trace ids on the log line", async () => {
    const handled = siglumeEvents.standardSettled();
    const failing = siglumeEvents.standardSettled();
    const delivery = (event: object, secret = SECRET) => {
      const signed = signedRequest(event as never, { secret });
      return { headers: signed.headers, text: signed.text };
    };
    const input = {
      secret: SECRET,
      failing: [failing.id],
      deliveries: [delivery(handled), delivery(handled), delivery(siglumeEvents.standardSettled(), "whsec_wrong"), delivery(failing)],
    };
    const inputFile = join(dir, `input-${mode}.json`);
    writeFileSync(inputFile, JSON.stringify(input));
    const result = await exec(node, ["telemetry-app.cjs", mode, inputFile], { cwd: dir });
    expect(result.code, result.output).toBe(0);
    const out = JSON.parse(result.output.trim().split("\n").at(-1)!) as Exported;
    expect(Number(out.node.split(".")[0])).toBeGreaterThanOrEqual(22);
    expect(out.statuses).toEqual([204, 204, 401, 500]);

    const ours = out.spans.filter((span) => span.name.startsWith("webhook "));
    const ROUTE = { "webhook.provider": "siglume", "webhook.route": "/webhooks/siglume" };
    const TYPE = { "webhook.event.type": "direct_payment.confirmed" };
    expect(ours.map(({ name, attributes, status, events }) => ({ name, attributes, status, events }))).toEqual([
      { name: "webhook siglume", attributes: { ...ROUTE, ...TYPE, "webhook.outcome": "handled", "http.response.status_code": 204 }, status: 0, events: ["webhook.idempotency.claim"] },
      { name: "webhook siglume", attributes: { ...ROUTE, ...TYPE, "webhook.outcome": "duplicate", "http.response.status_code": 204 }, status: 0, events: ["webhook.idempotency.claim"] },
      { name: "webhook siglume", attributes: { ...ROUTE, "webhook.outcome": "rejected", "http.response.status_code": 401, "error.type": "SIGNATURE_MISMATCH" }, status: 0, events: [] },
      { name: "webhook siglume", attributes: { ...ROUTE, ...TYPE, "webhook.outcome": "failed", "http.response.status_code": 500, "error.type": "HANDLER_FAILED" }, status: 2, events: ["webhook.idempotency.claim"] },
    ]);
    const work = out.spans.filter((span) => span.name === "app.work");
    expect(work.map((span) => span.parentSpanId)).toEqual([ours[0]!.spanId, ours[3]!.spanId]);

    const deliveries = out.points.filter((p) => p.metric === "webhook.deliveries").map((p) => [p.attributes["webhook.outcome"], p.attributes["http.response.status_code"], p.value]);
    expect(deliveries.sort()).toEqual([["duplicate", 204, 1], ["failed", 500, 1], ["handled", 204, 1], ["rejected", 401, 1]]);
    const durations = out.points.filter((p) => p.metric === "webhook.handler.duration").map((p) => [p.attributes["webhook.outcome"], p.value]);
    expect(durations.sort()).toEqual([["failed", 1], ["handled", 1]]);

    expect(out.logs).toEqual([{ level: "error", message: "webhook delivery failed", trace_id: ours[3]!.traceId, span_id: ours[3]!.spanId }]);
  });
});
