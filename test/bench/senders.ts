// The senders of `npm run bench`, as every bench server mounts them: our provider, and the baseline, the
// least a correct receiver does once it has the raw body: verify the sender's signature its own way,
// JSON.parse, remember handled ids in a Map (a repeat is answered without being handled again), answer.
// Runtime-neutral (node:crypto and node:buffer exist on Node, Bun and Deno): every server script shares it.
import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import { bodyDigest, deadlines, memoryIdempotencyStore, siglumeWebhooks, type ClaimResult, type Watched, type WebhookProvider } from "@siglume-middleware/core";
import { adyenAuthenticationWebhooks, type AdyenAuthenticationOptions } from "@siglume-middleware/adyen";
import { clearTxWebhooks, type ClearTxOptions } from "@siglume-middleware/cleartx";
import { pomeloWebhooks, type PomeloOptions } from "@siglume-middleware/pomelo";
import { CLEARTX_TEST_SIGNATURE_HEADER } from "@siglume-middleware/testing";

export const SENDERS = ["siglume", "adyen", "pomelo", "cleartx", "standard"] as const;
export type SenderName = (typeof SENDERS)[number];

export const SIGLUME = { secret: "whsec_bench_secret_0123456789", path: "/webhooks/siglume" };
export const ADYEN = {
  hmacKey: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
  basicAuth: { username: "adyen-bench", password: "bench-password" },
  path: "/webhooks/adyen/authentication",
  decisionTimeoutMs: 1500,
};
export const POMELO = { key: "pomelo-bench-key", secret: Buffer.alloc(32, 7).toString("base64"), path: "/webhooks/pomelo/tokens" };
/**
 * ClearTX has not published its signing scheme: the bench signs with @siglume-middleware/testing's stand-in (hex
 * HMAC-SHA256 of the body in x-test-signature), and our route's `verify` is the same check as the baseline's.
 */
export const CLEARTX = { secret: "cleartx-bench-secret", header: CLEARTX_TEST_SIGNATURE_HEADER, path: "/v1/notify/confirmed" };
export const STANDARD = { secret: `whsec_${Buffer.alloc(32, 9).toString("base64")}`, path: "/webhooks/standard" };
/**
 * Where the Standard Webhooks provider and its NestJS module come from: another branch brings them, so they are
 * imported by name at run time and their rows are reported as not run until they are installed in test/.
 */
export const STANDARD_MODULES = { provider: "@siglume-middleware/standard-webhooks", nest: "@siglume-middleware/nestjs/standard-webhooks" };

/** A header by lower-case name, as the framework gives it. */
export type HeaderOf = (name: string) => string | string[] | null | undefined;
/** What the baseline answers. */
export interface Answer {
  status: number;
  body?: string;
}
/** The baseline's work once the body is read. */
export type Baseline = (body: Uint8Array, header: HeaderOf) => Answer;
/** The guarded route's (guardedIds): an answer at once when refused, else a Promise. */
export type GuardedBaseline = (body: Uint8Array, header: HeaderOf) => Answer | Promise<Answer>;

const NO_CONTENT: Answer = { status: 204 };
const UNAUTHORIZED: Answer = { status: 401 };
const BAD_REQUEST: Answer = { status: 400 };
const text = (body: Uint8Array) => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
const one = (value: ReturnType<HeaderOf>) => (typeof value === "string" ? value : undefined);
const quiet = { info() {}, warn() {}, error() {} };
const engine = { logger: quiet, onError() {} };
/**
 * The variants a server can run (server.ts): "ours", "baseline", "slow" (Adyen's 5 s handler), "sync" (Adyen's handler
 * answering at once instead of from an async function: the decision runner's synchronous path), "telemetry" (ours
 * with the OpenTelemetry SDK registered) and "telemetry-off" (ours with `telemetry: false`).
 */
const telemetryOf = (variant: string) => (variant === "telemetry-off" ? { telemetry: false as const } : {});

/**
 * The Map of handled ids, as issue 17 words it: the first answer for an id is kept, nothing evicted. (Until
 * 2026-12-06 it evicted the oldest id once 100,000 were kept, with `handled.delete(handled.keys().next().value)`:
 * each delete leaves a hole at the Map's front that the next `keys().next()` walks over, so past 100,000 ids the
 * hand-written route's CPU per request climbed round after round (Fastify 48 → 94 µs in one row) and the later
 * rounds flattered ours.)
 */
function handledIds(): Once<Answer> {
  const handled = new Map<string, Answer>();
  return (id, answer) => {
    const earlier = handled.get(id);
    if (earlier !== undefined) return earlier;
    handled.set(id, answer);
    return answer;
  };
}

/** How a route remembers handled ids: the baseline's Map (an answer at once), or the guarded one's (a Promise). */
type Once<A> = (id: string, answer: Answer, body: Uint8Array) => A;

/**
 * The "guarded" hand-written route (bench/guarantees.ts): the baseline with what ours guarantees beyond it, added one
 * at a time (GUARANTEES, `level` of them), each written as plainly as a careful hand-written route would. It borrows
 * the core's memory store, body digest and shared deadlines, so a row measures what those guarantees cost through the
 * framework, not how well they are coded.
 */
export const GUARANTEES = [
  "the body read's timeout (10 s)",
  "the body's digest kept with the id (a reused id with another body is refused, not taken for a duplicate)",
  "a bounded store that tells a copy in flight (409) from a completed one",
  "the user's (async) handler awaited against a timeout, its failure answered 500 with the claim released",
] as const;
function guardedIds(namespace: string, level: number): Once<Answer | Promise<Answer>> {
  if (level < 2) return handledIds();
  if (level === 2) {
    const digests = new Map<string, string>();
    return (id, answer, body) => {
      const digest = bodyDigest(body) as string;
      const earlier = digests.get(id);
      if (earlier !== undefined) return earlier === digest ? answer : REUSED;
      digests.set(id, digest);
      return answer;
    };
  }
  const store = memoryIdempotencyStore();
  const handler = async (): Promise<void> => {};
  return (id, answer, body) => {
    const digest = bodyDigest(body) as string;
    const claimed = store.claim(`${namespace}:${id}`, { type: "event", digest }) as ClaimResult;
    if (claimed.status === "in_flight") return CONFLICT;
    if (claimed.status === "completed") return claimed.digest === digest ? answer : REUSED;
    if (level === 3) {
      claimed.claim.complete({ outcome: "handled" });
      return answer;
    }
    return withinTimeout(handler()).then((settled) => {
      if (settled === "timeout") return UNAVAILABLE;
      if (settled !== "ok") {
        claimed.claim.release({ error: settled.error });
        return FAILED;
      }
      claimed.claim.complete({ outcome: "handled" });
      return answer;
    });
  };
}
const CONFLICT: Answer = { status: 409 };
const REUSED: Answer = { status: 422 };
const UNAVAILABLE: Answer = { status: 503 };
const FAILED: Answer = { status: 500 };
const HANDLER_TIMEOUT_MS = 25_000;
/** A deadline on the core's shared deadlines (one timer for all of them): settles `timeout` unless deleted first. */
class Deadline implements Watched {
  at: number;
  watchSlot: number | undefined = undefined;
  constructor(
    ms: number,
    readonly expire: () => void,
  ) {
    this.at = performance.now() + ms;
    deadlines.add(this, ms);
  }
}
function withinTimeout(work: Promise<void>): Promise<"ok" | "timeout" | { error: unknown }> {
  return new Promise((resolve) => {
    const deadline = new Deadline(HANDLER_TIMEOUT_MS, () => resolve("timeout"));
    work.then(
      () => {
        deadlines.delete(deadline);
        resolve("ok");
      },
      (error: unknown) => {
        deadlines.delete(deadline);
        resolve({ error });
      },
    );
  });
}
/** The guarded route's read timeout (10 s, as ours): the body stream errs past it; call the result once it is read. */
export function bodyDeadline(body: Readable): () => void {
  const deadline = new Deadline(10_000, () => body.destroy(new Error("body read timed out")));
  return () => deadlines.delete(deadline);
}

/** Fresh within 300 s, as every sender's scheme asks. */
const fresh = (seconds: string) => Math.abs(Date.now() / 1000 - Number(seconds)) <= 300;

function siglumeBaseline<A extends Answer | Promise<Answer>>(once: Once<A>): (body: Uint8Array, header: HeaderOf) => A | Answer {
  const key = Buffer.from(SIGLUME.secret);
  return (body, header) => {
    const signature = one(header("siglume-signature"));
    if (signature === undefined) return UNAUTHORIZED;
    let t: string | undefined;
    let v1: string | undefined;
    for (const part of signature.split(",")) {
      if (part.startsWith("t=")) t = part.slice(2);
      else if (part.startsWith("v1=")) v1 = part.slice(3);
    }
    if (t === undefined || v1 === undefined || v1.length !== 64 || !fresh(t)) return UNAUTHORIZED;
    const expected = createHmac("sha256", key).update(`${t}.`).update(body).digest();
    if (!timingSafeEqual(expected, Buffer.from(v1, "hex"))) return UNAUTHORIZED;
    const event = JSON.parse(text(body)) as { id?: unknown };
    return typeof event.id === "string" ? once(event.id, NO_CONTENT, body) : BAD_REQUEST;
  };
}

function adyenBaseline<A extends Answer | Promise<Answer>>(once: Once<A>): (body: Uint8Array, header: HeaderOf) => A | Answer {
  const key = Buffer.from(ADYEN.hmacKey, "hex");
  const basic = `Basic ${Buffer.from(`${ADYEN.basicAuth.username}:${ADYEN.basicAuth.password}`).toString("base64")}`;
  const expectedAuth = createHash("sha256").update(basic).digest();
  const proceed: Answer = { status: 200, body: JSON.stringify({ authenticationDecision: { status: "proceed" } }) };
  const refused: Answer = { status: 200, body: JSON.stringify({ authenticationDecision: { status: "refused" } }) };
  return (body, header) => {
    const authorization = one(header("authorization"));
    const signature = one(header("hmacsignature"));
    if (authorization === undefined || signature === undefined) return UNAUTHORIZED;
    if (!timingSafeEqual(createHash("sha256").update(authorization).digest(), expectedAuth)) return UNAUTHORIZED;
    const given = Buffer.from(signature, "base64");
    if (given.length !== 32 || !timingSafeEqual(createHmac("sha256", key).update(body).digest(), given)) return UNAUTHORIZED;
    const request = JSON.parse(text(body)) as { id?: unknown; purchase?: { originalAmount?: { value?: number } } };
    if (typeof request.id !== "string") return BAD_REQUEST;
    return once(request.id, (request.purchase?.originalAmount?.value ?? 0) >= 0 ? proceed : refused, body);
  };
}

function pomeloBaseline<A extends Answer | Promise<Answer>>(once: Once<A>): (body: Uint8Array, header: HeaderOf) => A | Answer {
  const secrets = new Map([[POMELO.key, Buffer.from(POMELO.secret, "base64")]]);
  return (body, header) => {
    const apiKey = one(header("x-api-key"));
    const timestamp = one(header("x-timestamp"));
    const endpoint = one(header("x-endpoint"));
    const signature = one(header("x-signature"));
    if (apiKey === undefined || timestamp === undefined || signature === undefined) return UNAUTHORIZED;
    const secret = secrets.get(apiKey);
    if (secret === undefined || endpoint !== POMELO.path || !fresh(timestamp) || !signature.startsWith("hmac-sha256 ")) return UNAUTHORIZED;
    const given = Buffer.from(signature.slice(12), "base64");
    const expected = createHmac("sha256", secret).update(timestamp).update(endpoint).update(body).digest();
    if (given.length !== 32 || !timingSafeEqual(expected, given)) return UNAUTHORIZED;
    const event = JSON.parse(text(body)) as { event_id?: unknown };
    return typeof event.event_id === "string" ? once(event.event_id, NO_CONTENT, body) : BAD_REQUEST;
  };
}

/** ClearTX's stand-in signature (see CLEARTX): our route's `verify` and the baseline both run this. */
function clearTxSigned(body: Uint8Array, given: string | undefined): boolean {
  if (given === undefined || given.length !== 64) return false;
  const expected = createHmac("sha256", CLEARTX.secret).update(body).digest();
  const bytes = Buffer.from(given, "hex");
  return bytes.length === 32 && timingSafeEqual(expected, bytes);
}

function clearTxBaseline(): Baseline {
  const received: Answer = { status: 200, body: JSON.stringify({ status: "received" }) };
  const once = handledIds();
  return (body, header) => {
    if (!clearTxSigned(body, one(header(CLEARTX.header)))) return UNAUTHORIZED;
    const notification = JSON.parse(text(body)) as { transactionRef?: unknown };
    return typeof notification.transactionRef === "string" ? once(notification.transactionRef, received, body) : BAD_REQUEST;
  };
}

/**
 * Issue 19's baseline: the reference `standardwebhooks` library's `Webhook.verify` (v1 HMAC-SHA256 of `id.timestamp.body`
 * under the bytes after whsec_, any listed signature, 300 s window; it also runs `JSON.parse`) + a Map of webhook-id.
 */
async function standardBaseline(): Promise<Baseline> {
  const { Webhook } = (await import("standardwebhooks")) as typeof import("standardwebhooks");
  const webhook = new Webhook(STANDARD.secret);
  const once = handledIds();
  return (body, header) => {
    const id = one(header("webhook-id"));
    const timestamp = one(header("webhook-timestamp"));
    const signature = one(header("webhook-signature"));
    if (id === undefined || timestamp === undefined || signature === undefined) return UNAUTHORIZED;
    try {
      webhook.verify(body, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature });
    } catch {
      return UNAUTHORIZED;
    }
    return once(id, NO_CONTENT, body);
  };
}

/** Our providers' options (the NestJS modules take them without the handlers). */
export const siglumeOptions = { ...engine, webhookSecret: SIGLUME.secret, onDirectPaymentConfirmed: async () => {}, onReview: async () => {} };
const decide = (request: { purchase: { originalAmount: { value: number } } }) => (request.purchase.originalAmount.value >= 0 ? "proceed" : "refused");
export const adyenOptions = (variant: string): AdyenAuthenticationOptions => ({
  ...engine,
  hmacKey: ADYEN.hmacKey,
  basicAuth: ADYEN.basicAuth,
  decisionTimeoutMs: ADYEN.decisionTimeoutMs,
  // "slow": a handler that takes 5 s, so every request must be answered "refused" at the deadline.
  onRelayedAuthentication:
    variant === "sync"
      ? decide
      : async (request) => (variant === "slow" ? new Promise((resolve) => setTimeout(() => resolve("proceed"), 5000)) : decide(request)),
  onAuthenticationResult() {},
});
export const pomeloOptions: PomeloOptions = { ...engine, apiKeys: [{ key: POMELO.key, secret: POMELO.secret }], onTokenEvent() {}, onOtp() {}, onReview() {} };
export const clearTxOptions: ClearTxOptions = {
  ...engine,
  verify: ({ rawBody, header }) => clearTxSigned(rawBody, header(CLEARTX.header)),
  onNotification() {},
  onReview() {},
};

/** Per sender: what the bench calls the baseline, our provider, and the baseline itself. */
export const senders: Record<
  SenderName,
  { title: string; path: string; baseline: string; ours(variant: string): Promise<WebhookProvider<unknown>>; handWritten(): Promise<Baseline>; guarded?(level: number): Promise<GuardedBaseline> }
> = {
  siglume: {
    title: "Siglume",
    path: SIGLUME.path,
    baseline: "v1 HMAC-SHA256 of `t.body` (hex, constant-time, 300 s window) + JSON.parse + Map + 204",
    ours: async (variant) => siglumeWebhooks({ ...siglumeOptions, ...telemetryOf(variant) }) as WebhookProvider<unknown>,
    handWritten: async () => siglumeBaseline(handledIds()),
    guarded: async (level) => siglumeBaseline(guardedIds("siglume", level)),
  },
  adyen: {
    title: "Adyen relayed authentication",
    path: ADYEN.path,
    baseline: "Basic auth (constant-time) + base64 HMAC-SHA256 of the body + JSON.parse + Map + the decision (200 JSON)",
    ours: async (variant) => adyenAuthenticationWebhooks(adyenOptions(variant)) as WebhookProvider<unknown>,
    handWritten: async () => adyenBaseline(handledIds()),
    guarded: async (level) => adyenBaseline(guardedIds("adyen", level)),
  },
  pomelo: {
    title: "Pomelo token events",
    path: POMELO.path,
    baseline: "api key lookup + timestamp window + X-Endpoint + HMAC-SHA256 of timestamp+endpoint+body + JSON.parse + Map + 204",
    ours: async () => pomeloWebhooks(pomeloOptions) as WebhookProvider<unknown>,
    handWritten: async () => pomeloBaseline(handledIds()),
    guarded: async (level) => pomeloBaseline(guardedIds("pomelo", level)),
  },
  cleartx: {
    title: "ClearTX notifications",
    path: CLEARTX.path,
    baseline: "hex HMAC-SHA256 of the body (the testing stand-in; our `verify` runs the same check) + JSON.parse + Map of transactionRef + 200 JSON",
    ours: async () => clearTxWebhooks(clearTxOptions) as WebhookProvider<unknown>,
    handWritten: async () => clearTxBaseline(),
  },
  standard: {
    title: "Standard Webhooks",
    path: STANDARD.path,
    baseline: "the `standardwebhooks` library's Webhook.verify (v1 HMAC-SHA256 of `id.timestamp.body`, any listed signature, 300 s window, JSON.parse) + Map of webhook-id + 204",
    async ours() {
      const { standardWebhooks } = (await import(STANDARD_MODULES.provider)) as {
        standardWebhooks(options: object): WebhookProvider<unknown>;
      };
      return standardWebhooks({ ...engine, secret: STANDARD.secret, path: STANDARD.path, onEvent() {} });
    },
    handWritten: standardBaseline,
  },
};

const JSON_TYPE = { "content-type": "application/json" };

/** The baseline as a hand-written fetch route (Node through @hono/node-server, Bun.serve, Deno.serve). */
export function fetchBaseline(path: string, baseline: Baseline): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = request.url;
    if (request.method !== "POST" || url.slice(url.indexOf("/", url.indexOf("//") + 2)) !== path) return new Response(null, { status: 404 });
    const answer = baseline(new Uint8Array(await request.arrayBuffer()), (name) => request.headers.get(name));
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.body === undefined ? undefined : JSON_TYPE });
  };
}

/** The guarded route (guardedIds) as a hand-written fetch route: the body read against a timeout, the answer awaited. */
export function fetchGuarded(path: string, guarded: GuardedBaseline): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = request.url;
    if (request.method !== "POST" || url.slice(url.indexOf("/", url.indexOf("//") + 2)) !== path) return new Response(null, { status: 404 });
    const pending = guarded(await readWithDeadline(request), (name) => request.headers.get(name));
    const answer = pending instanceof Promise ? await pending : pending;
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.body === undefined ? undefined : JSON_TYPE });
  };
}

/**
 * The guarded fetch route's read timeout (10 s, as ours): a web Request's body cannot be cut once `arrayBuffer()`
 * holds it, so the read races a deadline on the core's shared deadlines and the route gives up when it passes.
 */
export function readWithDeadline(request: Request): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const deadline = new Deadline(10_000, () => reject(new Error("body read timed out")));
    request.arrayBuffer().then(
      (bytes) => {
        deadlines.delete(deadline);
        resolve(new Uint8Array(bytes));
      },
      (error: unknown) => {
        deadlines.delete(deadline);
        reject(error);
      },
    );
  });
}
