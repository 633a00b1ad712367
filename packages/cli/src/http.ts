import type { Delivery } from "./deliveries.js";

export interface Attempt {
  /** HTTP status, or undefined when no answer came (refused, timeout). */
  status?: number;
  body: string;
  ms: number;
  /** Why there was no answer. */
  failure?: string;
}

/** POSTs a signed delivery once; a network failure is a result, not a throw. */
export async function post(url: URL, request: Delivery, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    return { status: response.status, body, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const failure =
      (error as Error).name === "TimeoutError"
        ? `timed out after ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { body: "", ms: performance.now() - started, failure };
  }
}

export const isSuccess = (attempt: Attempt): boolean =>
  attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
