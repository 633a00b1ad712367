// Faults at the HTTP edge, on real servers: another middleware answering first, onError throwing while
// the store is down, and clients that stall their bodies. Whatever happens, the process lives, the
// next request is served, and no user-supplied message reaches a response body.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import { postgresIdempotencyStore } from "@siglume-middleware/store-postgres";
import { adapters, TIMED_OUT_TEXT, type HarnessOptions, type RunningApp } from "../support/apps.js";
import { post } from "../support/delivery.js";
import { recordingLogger } from "../support/logger.js";
import { SECRET } from "../support/events.js";
import { freePort } from "../support/servers.js";
import { latch, sleep, until } from "../support/timing.js";

const PATH = "/webhooks/siglume";

function baseOptions(overrides: Partial<HarnessOptions> = {}): HarnessOptions {
  return {
    webhookSecret: SECRET,
    onError: () => {},
    onReview: () => {},
    onDirectPaymentConfirmed: () => {},
    ...overrides,
  };
}

/** A raw HTTP/1.1 client: what it received, and whether the server closed the connection. */
function rawClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let received = "";
  let closed = false;
  socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  socket.on("error", () => {});
  socket.on("close", () => (closed = true));
  return {
    socket,
    received: () => received,
    closed: () => closed,
    /** Request head for a signed-looking JSON POST announcing `length` body bytes. */
    head(length: number) {
      socket.write(
        `POST ${PATH} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          `Siglume-Signature: t=1,v1=${"0".repeat(64)}\r\nContent-Length: ${length}\r\n\r\n`,
      );
    },
  };
}

/** The host's timeout for each request in turn: `first` for the first, never for the later ones. */
function timesOutFirst(first: () => Promise<unknown>): () => Promise<unknown> {
  let requests = 0;
  return () => (++requests === 1 ? first() : new Promise(() => {}));
}

describe.each(adapters.filter((adapter) => adapter.startBehindTimeout))("a timeout middleware answers first on $name", (adapter) => {
  let app: RunningApp | undefined;
  afterEach(() => app?.close());

  it("while a body trickles in: the timeout's answer stands, the process lives, the next request is served", async () => {
    const paid: string[] = [];
    // The host times the request out as it arrives, with its body still to come.
    app = await adapter.startBehindTimeout!(
      baseOptions({ bodyTimeoutMs: 600, onDirectPaymentConfirmed: (p) => void paid.push(p.event.id) }),
      timesOutFirst(() => Promise.resolve()),
    );
    const client = rawClient(app.url);
    client.head(40);
    for (let i = 0; i < 12 && !client.closed(); i++) {
      client.socket.write("x");
      await sleep(60);
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(client.received()).toContain(TIMED_OUT_TEXT);
    client.socket.destroy();

    // Past bodyTimeoutMs: the router gives up reading and finds the answer already sent. (Its deadline is on a
    // timer in this process that is due before this one, so it has fired by then, however loaded the machine.)
    await sleep(700);
    const event = siglumeEvents.standardSettled();
    expect((await post(`${app.url}${PATH}`, event, SECRET)).status).toBe(204);
    expect(paid).toEqual([event.id]);
  });

  it("while a slow handler throws: the timeout's answer stands, the process lives, the next request is served", async () => {
    const errors: unknown[] = [];
    const handlerStarted = latch();
    const handlerDone = latch();
    let slow = true;
    // The host times the request out while its handler runs; the handler throws once the test lets it.
    app = await adapter.startBehindTimeout!(
      baseOptions({
        onError: (error) => void errors.push(error),
        async onDirectPaymentConfirmed() {
          if (!slow) return;
          handlerStarted.release();
          await handlerDone.released;
          throw new Error("slow and broken");
        },
      }),
      timesOutFirst(() => handlerStarted.released),
    );
    const event = siglumeEvents.standardSettled();
    const first = await post(`${app.url}${PATH}`, event, SECRET);
    expect(first.status).toBe(503);
    expect(first.body).toContain(TIMED_OUT_TEXT);
    handlerDone.release();
    await until(() => errors.length > 0);
    slow = false;
    expect((await post(`${app.url}${PATH}`, event, SECRET)).status).toBe(204);
  });
});

describe.each(adapters)("onError throwing while the store is down on $name", (adapter) => {
  it("still answers 503 STORE_UNAVAILABLE with Retry-After, and the thrown message never reaches the body", async () => {
    // The app's logger (NestJS's modules otherwise log through Nest's Logger, the others through the console).
    const { entries, logger } = recordingLogger();
    const store = postgresIdempotencyStore({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none` });
    const app = await adapter.start(
      baseOptions({
        idempotencyStore: store,
        logger,
        onError() {
          throw new Error("onError broke: internal-detail-7731");
        },
      }),
    );
    try {
      for (let i = 0; i < 2; i++) {
        const res = await post(`${app.url}${PATH}`, siglumeEvents.standardSettled(), SECRET);
        expect(res.status).toBe(503);
        expect(res.retryAfter).toMatch(/^\d+$/);
        expect(JSON.parse(res.body).error.code).toBe("STORE_UNAVAILABLE");
        expect(res.body).not.toContain("internal-detail-7731");
      }
      // The throwing onError is logged once, not once per delivery.
      const logged = entries.filter((entry) => entry.level === "error" && entry.message.includes("onError itself threw"));
      expect(logged).toHaveLength(1);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe.each(adapters.filter((adapter) => !adapter.frameworkParsesFirst))("stalled bodies on $name", (adapter) => {
  it("50 clients that stop sending their bodies are answered 408 BODY_TIMEOUT and disconnected after bodyTimeoutMs", async () => {
    const app = await adapter.start(baseOptions({ bodyTimeoutMs: 500 }));
    const clients = Array.from({ length: 50 }, () => rawClient(app.url));
    try {
      const startedAt = Date.now();
      for (const client of clients) {
        client.head(1000);
        client.socket.write('{"id":"stalled"');
      }
      await until(() => clients.every((client) => client.closed()), 5000, "every stalled connection to be closed");
      const elapsed = Date.now() - startedAt;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      for (const client of clients) {
        expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
        expect(client.received()).toContain("BODY_TIMEOUT");
      }
      // The server is unharmed.
      const delivery = signedRequest(siglumeEvents.standardSettled(), { secret: SECRET });
      const res = await fetch(`${app.url}${PATH}`, { method: "POST", headers: delivery.headers, body: delivery.body });
      expect(res.status).toBe(204);
    } finally {
      for (const client of clients) client.socket.destroy();
      await app.close();
    }
  });
});
