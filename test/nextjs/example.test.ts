// The Next.js example as it is deployed: `next build`, then `next start` (production) on a free port, called
// over real HTTP. A whole checkout through the sandbox on the Node.js routes (the start route and the webhook
// route share one order store), signed deliveries to the Node.js and the edge webhook routes, and the refusals
// to start without the settings.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { startSiglumeSandbox, type SiglumeSandbox } from "@siglume-middleware/sandbox";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { buildNextExample, startExample, type RunningExample } from "../../scripts/lib/examples.mjs";
import { productionRefusalCases } from "../support/examples.js";
import { freePort } from "../support/servers.js";

const SECRET = "whsec_nextjs_example";

/** The app's output so far, and a promise for the first line matching a pattern. */
function outputLog() {
  let text = "";
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  return {
    onOutput(chunk: string) {
      text += chunk;
      for (const waiter of [...waiting]) {
        if (!waiter.pattern.test(text)) continue;
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    line: (pattern: RegExp) => (pattern.test(text) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ pattern, resolve }))),
    count: (pattern: RegExp) => text.match(new RegExp(pattern.source, "g"))?.length ?? 0,
  };
}

// Cold, on the shared two cores: 1–2.5 min of wall time (20–30 s of CPU, mostly Turbopack compiling); again, with
// Turbopack's cache in examples/nextjs/.next: 15–25 s.
beforeAll(() => buildNextExample(), 600_000);

describe("examples/nextjs on next start", () => {
  const log = outputLog();
  let sandbox: SiglumeSandbox;
  let app: RunningExample;

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    sandbox = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, port: 0, origin, webhookSecret: SECRET });
    app = await startExample("nextjs", { port, env: sandbox.env, onOutput: log.onOutput });
  });
  afterAll(async () => {
    await app?.stop();
    await sandbox?.close();
  });
  // A line that never comes fails the test by its timeout: show what the app printed instead.
  beforeEach(() => onTestFailed(() => console.error(`examples/nextjs printed:\n${app?.output()}`)));

  const deliver = (path: string, delivery: ReturnType<typeof signedRequest>) =>
    fetch(`${app.origin}${path}`, { method: "POST", headers: delivery.headers, body: delivery.body });
  const shopper = (orderId: string, who = "demo-shopper") =>
    fetch(`${app.origin}/checkout/siglume/start`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-demo-shopper": who },
      body: JSON.stringify({ order_id: orderId }),
    });
  const order = async (orderId: string) => (await (await fetch(`${app.origin}/orders/${orderId}`)).json()) as { status: string } | null;

  /**
   * A new event the route handles and logs: once its line is in, every line the app printed before it is too
   * (one process, one stdout), so a count taken then is final.
   */
  async function handledSince(path: string, line: (eventId: string) => RegExp) {
    const event = siglumeEvents.standardSettled();
    expect((await deliver(path, signedRequest(event, { secret: SECRET }))).status).toBe(204);
    await log.line(line(event.id));
  }
  const reviewedOnNode = (eventId: string) => new RegExp(`\\[nextjs\\] review: event ${eventId} \\(unknown_challenge_hash\\)`);
  const confirmedOnEdge = (eventId: string) => new RegExp(`\\[nextjs edge\\] event ${eventId} confirmed: standard_settled, JPY 1200 \\(web crypto\\)`);

  it("Node.js runtime: a checkout started by the start route is paid once by the webhook route; a redelivery is not paid again", async () => {
    expect((await shopper("ord_standard", "someone-else")).status).toBe(404); // not this shopper's order
    const started = await shopper("ord_standard");
    expect(started.status).toBe(200);
    const { session_id: sessionId, checkout_url: checkoutUrl } = (await started.json()) as { session_id: string; checkout_url: string };
    expect(checkoutUrl).toContain(sessionId);

    const sessionAction = async (action: string) =>
      (await (await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${sessionId}/${action}`, { method: "POST" })).json()) as { data: { response_status: number } };
    expect((await sessionAction("confirm")).data.response_status).toBe(204);
    await log.line(/\[nextjs\] order ord_standard is paid \(settled\)/);
    expect(await order("ord_standard")).toMatchObject({ status: "paid" });

    expect((await sessionAction("redeliver")).data.response_status).toBe(204);
    await handledSince("/webhooks/siglume", reviewedOnNode);
    expect(log.count(/\[nextjs\] order ord_standard is paid/)).toBe(1);
    expect((await shopper("ord_standard")).status).toBe(409); // ORDER_ALREADY_PAID
  });

  it("edge runtime: a Standard payment is verified with WebCrypto and handled once; its redelivery is acknowledged, not handled again", async () => {
    const event = siglumeEvents.standardSettled();
    const delivery = signedRequest(event, { secret: SECRET });
    expect((await deliver("/edge/webhooks/siglume", delivery)).status).toBe(204);
    await log.line(confirmedOnEdge(event.id));
    expect((await deliver("/edge/webhooks/siglume", delivery)).status).toBe(204);
    await handledSince("/edge/webhooks/siglume", confirmedOnEdge);
    expect(log.count(new RegExp(`event ${event.id} confirmed`))).toBe(1);
  });

  describe.each([
    ["Node.js", "/webhooks/siglume"],
    ["edge", "/edge/webhooks/siglume"],
  ])("%s route %s", (_runtime, path) => {
    it("refuses a delivery signed with another secret: 401 SIGNATURE_MISMATCH", async () => {
      const response = await deliver(path, signedRequest(siglumeEvents.standardSettled(), { secret: "whsec_not_the_secret" }));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_MISMATCH");
    });

    it("answers GET 405 (Next.js: the route exports only POST)", async () => {
      expect((await fetch(`${app.origin}${path}`)).status).toBe(405);
    });

    it("answers a delivery rewritten onto it from another URL 404 ROUTE_NOT_FOUND, naming the path it serves", async () => {
      // next.config.ts rewrites /api/* onto the app; the handler sees the URL that was requested.
      const response = await deliver(`/api${path}`, signedRequest(siglumeEvents.standardSettled(), { secret: SECRET }));
      expect(response.status).toBe(404);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("ROUTE_NOT_FOUND");
      expect(error.message).toContain(`"${path}"`);
    });
  });
});

describe("examples/nextjs in production", () => {
  productionRefusalCases("nextjs", "SIGLUME_WEBHOOK_SECRET", { checkout: true });
});
