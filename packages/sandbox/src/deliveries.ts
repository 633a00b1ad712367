import { randomBytes } from "node:crypto";
import { signSiglumeWebhook, type SiglumeEvent } from "@siglume-middleware/core";

/**
 * How the sandbox retries a webhook your app did not acknowledge with a 2xx: attempts, exponential backoff with
 * jitter, and the per-attempt timeout, like Siglume's own delivery.
 */
export interface DeliverySchedule {
  /** Attempts per delivery, the first included. Default 6. */
  maxAttempts: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs·2^(n-1))]. Default 500 ms. */
  baseDelayMs: number;
  /** The longest wait between two attempts. Default 30 s. */
  maxDelayMs: number;
  /** Per attempt. Default 10 s. */
  timeoutMs: number;
}

/** One delivery of one event (its attempts included), as `GET /v1/market/webhooks/deliveries` lists it. */
export interface SandboxDelivery {
  /** The delivery's id. */
  id: string;
  /** The webhook subscription (your webhook URL) it was delivered to. */
  subscription_id: string;
  /** The event's id (the same on every retry of it). */
  event_id: string;
  /** The event's type. */
  event_type: string;
  /** `delivered` once your app answered 2xx; `failed` while retrying and after giving up. */
  delivery_status: "delivered" | "failed";
  /** Your app's last HTTP status; null when no answer came (refused, timed out). */
  response_status: number | null;
  /** Attempts made so far, the first included. */
  attempts: number;
  /** When the next automatic retry is due; null when delivered or given up. */
  next_retry_at: string | null;
  /** When your app acknowledged it (ISO 8601); null until then. */
  delivered_at: string | null;
  /** When the delivery was first attempted (ISO 8601). */
  created_at: string;
}

export interface DeliveryTarget {
  /** Webhook URLs; attempts go to them in turn (a load balancer in front of several instances). */
  urls: string[];
  secret: string;
  subscriptionId: string;
  schedule: DeliverySchedule;
  log: (line: string) => void;
}

/** Capped exponential backoff with full jitter, as Siglume's sender (and `siglume-webhooks deliver`) retries. */
export function retryDelayMs(attempt: number, schedule: DeliverySchedule, random = Math.random): number {
  return Math.round(random() * Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** (attempt - 1)));
}

/**
 * Delivers signed events: the first attempt is awaited (so the caller can report it), failed ones
 * (non-2xx, timeout, refused) are retried in the background with backoff, each attempt signed afresh
 * over the same bytes with the same event id.
 */
export function createDeliverer(target: DeliveryTarget) {
  const records: SandboxDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let next = 0;
  let closed = false;

  async function attempt(record: SandboxDelivery, body: Buffer): Promise<void> {
    const url = target.urls[next++ % target.urls.length]!;
    record.attempts += 1;
    let status: number | null = null;
    let failure = "";
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "siglume-signature": signSiglumeWebhook(target.secret, body),
          "x-siglume-environment": "sandbox",
        },
        body,
        signal: AbortSignal.timeout(target.schedule.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      failure = (error as Error).name === "TimeoutError" ? "timed out" : (cause ?? "unreachable");
    }
    const ok = status !== null && status >= 200 && status < 300;
    record.response_status = status;
    record.delivery_status = ok ? "delivered" : "failed";
    record.delivered_at = ok ? new Date().toISOString() : record.delivered_at;
    record.next_retry_at = null;
    target.log(
      `webhook ${record.event_id} (${record.event_type}) attempt ${record.attempts} → ${url}: ${status ?? failure}`,
    );
  }

  function scheduleRetry(record: SandboxDelivery, body: Buffer): void {
    if (closed || record.delivery_status === "delivered" || record.attempts >= target.schedule.maxAttempts) return;
    const wait = retryDelayMs(record.attempts, target.schedule);
    record.next_retry_at = new Date(Date.now() + wait).toISOString();
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = attempt(record, body).then(() => scheduleRetry(record, body));
      running.add(run);
      void run.finally(() => running.delete(run));
    }, wait);
    timers.add(timer);
  }

  return {
    records,
    /** Delivers `event` (or the exact bytes of an earlier delivery); `retry: false` makes one attempt only. */
    async deliver(event: SiglumeEvent, body: Buffer, { retry = true } = {}): Promise<SandboxDelivery> {
      const record: SandboxDelivery = {
        id: `whdel_${randomBytes(9).toString("base64url")}`,
        subscription_id: target.subscriptionId,
        event_id: event.id,
        event_type: event.type,
        delivery_status: "failed",
        response_status: null,
        attempts: 0,
        next_retry_at: null,
        delivered_at: null,
        created_at: new Date().toISOString(),
      };
      records.unshift(record);
      await attempt(record, body);
      if (retry) scheduleRetry(record, body);
      return { ...record };
    },
    /** Resolves when no retry is pending or running. */
    async idle(): Promise<void> {
      while (timers.size > 0 || running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    close(): void {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
