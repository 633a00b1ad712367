// The web adapters' body read against a Request the app built itself, whose Content-Length need not match its
// body (e.g. a middleware that decompressed the body and kept the header): the limit holds while reading, and the
// stream is cancelled, whatever the header says. Both web adapters (the fetch handler, the Hono middleware through
// app.fetch) take the Request object itself, which the HTTP conformance suite cannot hand them.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { siglumeMiddleware } from "@siglume-middleware/hono";
import { siglumeFetchHandler } from "@siglume-middleware/web";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";

const SECRET = "whsec_request_body_test";

/** An endless body in 64 KB chunks: how many bytes were pulled, and whether it was cancelled. */
function endlessBody() {
  const state = { pulled: 0, cancelled: false };
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += chunk.length;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const options = {
  webhookSecret: SECRET,
  bodyLimit: 256 * 1024,
  onDirectPaymentConfirmed: () => {},
  onReview: () => {},
  logger: { info() {}, warn() {}, error() {} },
};
const honoApp = new Hono().use(siglumeMiddleware(options));
const targets: [string, (request: Request) => Response | Promise<Response>][] = [
  ["the fetch handler", siglumeFetchHandler(options)],
  ["the Hono middleware", (request) => honoApp.fetch(request)],
];

describe.each(targets)("%s with an app-built Request", (_name, handler) => {
  const signedHeaders = () => signedRequest(siglumeEvents.standardSettled(), { secret: SECRET }).headers;

  it("a Content-Length smaller than the body: 413 once the limit is passed, and the stream is cancelled", async () => {
    const { stream, state } = endlessBody();
    const request = new Request("http://127.0.0.1/webhooks/siglume", {
      method: "POST",
      headers: { ...signedHeaders(), "content-length": "10" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const response = await handler(request);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BODY_TOO_LARGE");
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(1024 * 1024);
  });

  it("a signed body whose Content-Length is right is handled as usual", async () => {
    const delivery = signedRequest(siglumeEvents.standardSettled(), { secret: SECRET });
    const request = new Request("http://127.0.0.1/webhooks/siglume", { method: "POST", headers: delivery.headers, body: delivery.body });
    expect((await handler(request)).status).toBe(204);
  });
});
