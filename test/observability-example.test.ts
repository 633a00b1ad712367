// examples/observability as a real process (Express, the PostgreSQL store, OTLP over HTTP) against a real
// PostgreSQL and a local OTLP receiver: after a handled delivery, a refused one and the app's SIGTERM (which
// exports what is buffered), the receiver holds the delivery spans under the HTTP server spans, the handler's
// span and query under the delivery's, and the webhook.* metrics; nothing it was sent is in the export.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { root } from "../scripts/lib/examples.mjs";
import { startPostgres, type PostgresServer } from "./support/servers.js";
import { until } from "./support/timing.js";

const SECRET = "whsec_observability_example";

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
type OtlpAttributes = { key: string; value: OtlpValue }[];
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttributes;
  status: { code?: number };
  events?: { name: string; attributes?: OtlpAttributes }[];
}
interface OtlpPoint {
  attributes: OtlpAttributes;
  asInt?: number | string;
  asDouble?: number;
  count?: number | string;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: OtlpPoint[] };
  histogram?: { dataPoints: OtlpPoint[] };
}

const flat = (attributes: OtlpAttributes = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, value.stringValue ?? (value.intValue === undefined ? value.doubleValue ?? value.boolValue : Number(value.intValue))]));

let postgres: PostgresServer;
let receiver: Server;
const received: { path: string; text: string }[] = [];
let app: ChildProcess;
let output = "";

beforeAll(async () => {
  postgres = await startPostgres();
  receiver = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", text });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
}, 120_000);
afterAll(async () => {
  if (app && app.exitCode === null) app.kill("SIGKILL");
  receiver?.close();
  await postgres?.destroy();
});

it("exports the delivery spans, their children and the metrics over OTLP, and nothing it was sent", async () => {
  const cwd = `${root}examples/observability`;
  app = spawn(`${cwd}/node_modules/.bin/tsx`, ["src/server.ts"], {
    cwd,
    env: {
      ...process.env,
      PORT: "0",
      DATABASE_URL: postgres.url,
      SIGLUME_WEBHOOK_SECRET: SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  app.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = once(app, "exit");
  await until(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.test(output) || app.exitCode !== null, 60_000, "the example to listen");
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\S*/.exec(output)?.[0]?.replace("listening on ", "");
  expect(url, output).toBeDefined();

  const event = siglumeEvents.standardSettled();
  const good = signedRequest(event, { secret: SECRET });
  const bad = signedRequest(siglumeEvents.standardSettled(), { secret: "whsec_someone_else" });
  const post = (delivery: typeof good) => fetch(url!, { method: "POST", headers: delivery.headers as unknown as Record<string, string>, body: delivery.text });
  expect((await post(good)).status).toBe(204);
  expect((await post(bad)).status).toBe(401);
  expect(output).toContain(`paid: ${event.id}`);

  app.kill("SIGTERM");
  const [code] = await exited;
  expect(code, output).toBe(0);

  const spans = received
    .filter((r) => r.path === "/v1/traces")
    .flatMap((r) => (JSON.parse(r.text) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans)
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const deliveries = spans.filter((s) => s.name === "webhook siglume");
  expect(deliveries.map((s) => flat(s.attributes))).toEqual([
    { "webhook.provider": "siglume", "webhook.route": "/webhooks/siglume", "webhook.outcome": "handled", "http.response.status_code": 204, "webhook.event.type": "direct_payment.confirmed" },
    { "webhook.provider": "siglume", "webhook.route": "/webhooks/siglume", "webhook.outcome": "rejected", "http.response.status_code": 401, "error.type": "SIGNATURE_MISMATCH" },
  ]);
  const [handled, rejected] = deliveries as [OtlpSpan, OtlpSpan];
  for (const delivery of [handled, rejected]) {
    const parent = spans.find((s) => s.spanId === delivery.parentSpanId);
    expect(parent?.kind, "the HTTP server span").toBe(2); // OTLP's SPAN_KIND_SERVER
  }
  const fulfil = spans.find((s) => s.name === "fulfil order");
  expect(fulfil?.parentSpanId).toBe(handled.spanId);
  const select = spans.find((s) => s.parentSpanId === fulfil?.spanId && flat(s.attributes)["db.query.text"] === "SELECT 1");
  expect(select, "the handler's query, a child of its span").toBeDefined();

  const metricList = received
    .filter((r) => r.path === "/v1/metrics")
    .flatMap((r) => (JSON.parse(r.text) as { resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[] }).resourceMetrics)
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const counted = metricList
    .filter((m) => m.name === "webhook.deliveries")
    .flatMap((m) => m.sum!.dataPoints)
    .map((p) => [flat(p.attributes)["webhook.outcome"], flat(p.attributes)["http.response.status_code"], Number(p.asInt ?? p.asDouble)]);
  expect(counted).toEqual(expect.arrayContaining([["handled", 204, 1], ["rejected", 401, 1]]));
  const durations = metricList.filter((m) => m.name === "webhook.handler.duration").flatMap((m) => m.histogram!.dataPoints);
  expect(durations.map((p) => [flat(p.attributes)["webhook.outcome"], Number(p.count)])).toEqual([["handled", 1]]);

  const everything = received.map((r) => r.text).join("\n");
  for (const sent of [SECRET, good.text, bad.text, ...Object.values(good.headers as unknown as Record<string, string>).filter((v) => v.includes("v1="))]) {
    expect(everything).not.toContain(sent);
  }
}, 120_000);
