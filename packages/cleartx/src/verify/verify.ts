import { SiglumeWebhookError, isPromiseLike, type ReceivedRequest } from "@siglume-middleware/core";
import type { ClearTxRouteName } from "../event/types.js";

/** Request headers as Node gives them: names in lower case, repeated headers as arrays. */
export type ClearTxHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What your `verify` function receives: the exact bytes, before anything parsed them, and the headers. */
export interface ClearTxVerifyInput<TRequest = unknown> {
  /** The exact bytes received (a Buffer on Node's adapters). Verify these, never a re-serialised body. */
  rawBody: Uint8Array;
  /** Every request header, names in lower case. */
  headers: ClearTxHeaders;
  /** One header by name (any case); the first value when it was repeated. */
  header(name: string): string | undefined;
  /** The endpoint: "confirmed", "declined", "rejected", "broadcasted" or "confirmed-data". */
  route: ClearTxRouteName;
  /** The path it is mounted at, e.g. "/v1/notify/confirmed". */
  path: string;
  /** The framework's own request object. */
  request: TRequest;
}

/**
 * Decides whether a request comes from ClearTX. ClearTX has not published its signing scheme, so
 * this is yours: return `true` to accept; `false` (or a throw) refuses with 401 and nothing runs.
 */
export type ClearTxVerifier<TRequest = unknown> = (input: ClearTxVerifyInput<TRequest>) => boolean | PromiseLike<boolean>;

/**
 * Error code (401) of a request your `verify` function refused (returned false, or anything but true); nothing was
 * processed.
 */
export const CLEARTX_VERIFICATION_FAILED = "CLEARTX_VERIFICATION_FAILED";
/**
 * Error code (401) of a request whose `verify` function threw; it is refused, the error goes to `onError`, ClearTX
 * retries.
 */
export const CLEARTX_VERIFIER_FAILED = "CLEARTX_VERIFIER_FAILED";
/**
 * Error code (503, with Retry-After) of a request whose `verify` did not settle within `verifyTimeoutMs`; ClearTX
 * retries.
 */
export const CLEARTX_VERIFIER_TIMEOUT = "CLEARTX_VERIFIER_TIMEOUT";
/** How long an asynchronous `verify` may take unless `verifyTimeoutMs` says otherwise. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 5000;

/** The answer when `verify` has not settled in time: not an authentication failure, so 503 and ClearTX retries. */
export function verifierTimedOut(timeoutMs: number, retryAfterSeconds: number): SiglumeWebhookError {
  return new SiglumeWebhookError(
    CLEARTX_VERIFIER_TIMEOUT,
    `Your verify function did not answer within ${timeoutMs} ms (verifyTimeoutMs), so this request was neither ` +
      "authenticated nor processed; ClearTX will retry it. If verify calls a key service, that service is slow or " +
      "unreachable from this server.",
    { status: 503, headers: { "retry-after": String(retryAfterSeconds) } },
  );
}


const threw = new SiglumeWebhookError(
  CLEARTX_VERIFIER_FAILED,
  "Your verify function threw, so this request could not be authenticated. It was refused and nothing was " +
    "processed; ClearTX will retry it. The error went to onError (this server's logs).",
  { status: 401 },
);

function refused(result: unknown, path: string): SiglumeWebhookError {
  if (result === false) {
    return new SiglumeWebhookError(
      CLEARTX_VERIFICATION_FAILED,
      `Your verify function returned false for this request to ${path}, so it was refused and nothing was processed. ` +
        "If ClearTX sent it: the body may have been changed before this route (a JSON body parser or a proxy that " +
        "re-serialised it; verify gets the bytes as received), or the verifier checks another key or header.",
      { status: 401 },
    );
  }
  const got = result === undefined ? "undefined" : result === null ? "null" : `a ${typeof result}`;
  return new SiglumeWebhookError(
    CLEARTX_VERIFICATION_FAILED,
    `Your verify function returned ${got} instead of true or false, so this request was refused (only true lets a ` +
      "request through). A missing return statement, or a promise it did not await?",
    { status: 401 },
  );
}

/**
 * Headers for the verifier: the set the adapter lists (fetch and Hono), else the framework's own header object when
 * the request has a plain one (the Node adapters).
 */
export function requestHeaders(received: Pick<ReceivedRequest<unknown>, "header" | "headers" | "request">): ClearTxHeaders {
  if (received.headers !== undefined) return received.headers();
  const own = (received.request as { headers?: unknown } | null | undefined)?.headers;
  if (typeof own === "object" && own !== null) {
    const proto = Object.getPrototypeOf(own) as unknown;
    if (proto === Object.prototype || proto === null) return own as ClearTxHeaders;
  }
  // Another caller of the engine: lookups through its header reader.
  return new Proxy({} as ClearTxHeaders, {
    get: (_target, name) => (typeof name === "string" ? received.header(name.toLowerCase()) : undefined),
    has: (_target, name) => typeof name === "string" && received.header(name.toLowerCase()) !== undefined,
  });
}

export function firstHeader(headers: ClearTxHeaders): (name: string) => string | undefined {
  return (name) => {
    const value: unknown = headers[name.toLowerCase()];
    // Strings only: "constructor" or "__proto__" reads the object's prototype, never a header.
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === "string" ? first : undefined;
  };
}

/**
 * Runs the user's verifier: nothing but `true` passes. A throw is reported (onError) and refused
 * like a `false`, with its own code; neither answer repeats the verifier's message or the body.
 * Synchronous when the verifier is; an asynchronous one that has not settled after `timeout.ms`
 * is reported and answered with `timeout.error` (what it settles to later changes nothing; a later
 * throw is still reported).
 */
export function runVerifier<TRequest>(
  verify: ClearTxVerifier<TRequest>,
  input: ClearTxVerifyInput<TRequest>,
  report: (error: unknown) => void,
  timeout: { ms: number; error: SiglumeWebhookError },
): void | Promise<void> {
  let result: unknown;
  let pending: boolean;
  try {
    result = verify(input);
    // Inside the try: a returned object whose `then` getter throws is the verifier throwing.
    pending = isPromiseLike(result);
  } catch (error) {
    report(error);
    throw threw;
  }
  if (!pending) {
    if (result !== true) throw refused(result, input.path);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const verdict = Promise.resolve(result).then(
    (value) => {
      if (value !== true) throw refused(value, input.path);
    },
    (error: unknown) => {
      report(error); // also after the timeout: why it failed is worth knowing
      throw threw;
    },
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      report(new Error(`verify did not settle within ${timeout.ms} ms (verifyTimeoutMs) for a request to ${input.path}.`));
      reject(timeout.error);
    }, timeout.ms);
  });
  // Promise.race handles both: the loser's later rejection is never unhandled.
  return Promise.race([verdict, late]).finally(() => clearTimeout(timer));
}
