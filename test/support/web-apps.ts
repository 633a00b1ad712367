// The web-standard targets of the conformance suites: the fetch handler (@siglume-middleware/web) and the
// Hono middleware (@siglume-middleware/hono), both served on Node by @hono/node-server, which hands them a
// real `Request` with a streaming body. The same fixtures run under `--conditions=worker` (the "web-crypto"
// vitest project), where the core verifies through WebCrypto instead of node:crypto.
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { clearTxWebhooks } from "@siglume-middleware/cleartx";
import type { WebhookProvider } from "@siglume-middleware/core";
import { siglumeMiddleware, webhookMiddleware } from "@siglume-middleware/hono";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { standardWebhooks } from "@siglume-middleware/standard-webhooks";
import { siglumeFetchHandler, webhookFetchHandler, type FetchHandler } from "@siglume-middleware/web";
import type { AdapterFixture, HarnessOptions, RunningApp } from "./apps.js";
import type { ProviderFixture } from "./provider-apps.js";
import { TIMED_OUT_TEXT } from "./timing.js";

type Fetch = (request: Request) => Response | Promise<Response>;

/** Serves `fetch` on 127.0.0.1 (a free port, or `port`) with @hono/node-server. */
export async function serveFetch(fetch: Fetch, port = 0): Promise<RunningApp> {
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch, port, hostname: "127.0.0.1" }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

const json = (value: unknown, status = 200) => Response.json(value, { status });

/** The host app around a fetch handler: its own routes first (GET /health, POST /echo), then the webhooks. */
const hostAround = (webhooks: FetchHandler): Fetch => async (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/health") return json({ ok: true });
  if (path === "/echo" && request.method === "POST") return json(await request.json());
  return webhooks(request);
};

/** A host that answers 503 "request timed out" once `timesOut()` settles for the request, whatever the handler still does. */
const behindTimeout = (inner: Fetch, timesOut: () => Promise<unknown>): Fetch => (request) =>
  Promise.race([inner(request), timesOut().then(() => new Response(TIMED_OUT_TEXT, { status: 503 }))]);

export const fetchFixture: AdapterFixture = {
  name: "fetch",
  // A host that read the Request's body first leaves nothing: the handler must say so, never answer 401.
  parserFirst: "raw_body_unavailable",
  frameworkParsesFirst: false,
  start: (options) => serveFetch(hostAround(siglumeFetchHandler(options))),
  async startWithParserFirst(options) {
    const webhooks = siglumeFetchHandler(options);
    return serveFetch(async (request) => {
      await request.json().catch(() => undefined);
      return webhooks(request);
    });
  },
  // The fetch way to keep the bytes: parse a clone, hand the handler the original.
  async startWithParserKeepingBytes(options) {
    const webhooks = siglumeFetchHandler(options);
    return serveFetch(async (request) => {
      await request.clone().json().catch(() => undefined);
      return webhooks(request);
    });
  },
  startBehindTimeout: (options, timesOut) => serveFetch(behindTimeout(siglumeFetchHandler(options), timesOut)),
};

/** A Hono app with the host's own routes after the webhook middleware. */
function honoHost(mount: (app: Hono) => void): Hono {
  const app = new Hono();
  mount(app);
  app.get("/health", (c) => c.json({ ok: true }));
  app.post("/echo", async (c) => c.json(await c.req.json()));
  return app;
}

export const honoFixture: AdapterFixture = {
  name: "hono",
  // Hono keeps the text its c.req.json() read: the middleware verifies those bytes.
  parserFirst: "handled",
  frameworkParsesFirst: false,
  start: (options) => serveFetch(honoHost((app) => app.use(siglumeMiddleware(options))).fetch),
  async startWithParserFirst(options) {
    const app = new Hono();
    app.use(async (c, next) => {
      if (c.req.method === "POST") await c.req.json().catch(() => undefined);
      await next();
    });
    app.use(siglumeMiddleware(options));
    return serveFetch(app.fetch);
  },
  startWithParserKeepingBytes: (options) => honoFixture.startWithParserFirst(options),
  async startBehindTimeout(options: HarnessOptions, timesOut: () => Promise<unknown>) {
    const app = new Hono();
    // hono/timeout's shape, on the test's latch instead of its timer.
    app.use(async (_c, next) => {
      const timedOut = await Promise.race([next().then(() => false), timesOut().then(() => true)]);
      if (timedOut) throw new HTTPException(503, { res: new Response(TIMED_OUT_TEXT, { status: 503 }) });
    });
    app.use(siglumeMiddleware(options));
    return serveFetch(app.fetch);
  },
};

const fetchProvider = (provider: WebhookProvider<unknown>) => serveFetch(hostAround(webhookFetchHandler(provider)));
const honoProvider = (provider: WebhookProvider<unknown>) => serveFetch(honoHost((app) => app.use(webhookMiddleware(provider))).fetch);

export const webProviderFixtures: ProviderFixture[] = [
  {
    name: "fetch",
    frameworkParsesFirst: false,
    startAdyen: (options) => fetchProvider(adyenAuthenticationWebhooks(options)),
    startPomelo: (options) => fetchProvider(pomeloWebhooks(options)),
    startClearTx: (options) => fetchProvider(clearTxWebhooks(options)),
    startStandard: (options) => fetchProvider(standardWebhooks(options)),
  },
  {
    name: "hono",
    frameworkParsesFirst: false,
    startAdyen: (options) => honoProvider(adyenAuthenticationWebhooks(options)),
    startPomelo: (options) => honoProvider(pomeloWebhooks(options)),
    startClearTx: (options) => honoProvider(clearTxWebhooks(options)),
    startStandard: (options) => honoProvider(standardWebhooks(options)),
  },
];

/** Which web targets a run includes: all, or those named in SIGLUME_TEST_TARGETS (the web-crypto project). */
export function selectTargets<T extends { name: string }>(all: readonly T[]): T[] {
  const only = process.env.SIGLUME_TEST_TARGETS?.split(",").map((name) => name.trim());
  return only === undefined ? [...all] : all.filter((target) => only.includes(target.name));
}
