// The core section of `npm run bench`: in process, no HTTP, the body already read, memory store:
// `createWebhookHandler(provider).handle()` per delivery against the floor, the baseline's own work
// (senders.ts: verify + JSON.parse + a Map of handled ids) on the same kind of deliveries.
import { Buffer } from "node:buffer";
import {
  bodyDigest,
  createWebhookHandler,
  memoryIdempotencyStore,
  type ClaimResult,
  type WebhookHandler,
  type WebhookRequest,
} from "@siglume-middleware/core";
import { deliveryList } from "./deliveries.js";
import { interleaved, median } from "./lib.js";
import { senders, type SenderName } from "./senders.js";

export interface CoreRow {
  sender: SenderName;
  floor: string;
  /** Microseconds per delivery, medians of the rounds. */
  oursUs: number;
  floorUs: number;
  /**
   * The floor plus the two guarantees the engine keeps that the floor does not: the body digest recorded with each
   * id (a reused id with another body goes to review) and a bounded store (the memory store's claim and completion
   * instead of a Map that grows without end). What is left between this and ours is the engine's own overhead.
   */
  guardedUs: number;
  /** Deliveries per second, ours over the floor's: floorUs / oursUs. */
  ratio: number;
  /** Non-2xx answers from ours (must be zero). */
  refused: number;
}

/** A delivery as the core receives it from an adapter: the body read, header names in lower case. */
export interface Prepared {
  body: Buffer;
  headers: Record<string, string>;
  path: string;
}

/** `count` fresh deliveries of `sender`, ready for `handle()` and for the baseline. */
export function prepared(sender: SenderName, count: number): Prepared[] {
  return deliveryList(sender, count).map(({ path, headers, text }) => ({
    path,
    body: Buffer.from(text),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  }));
}

/** The request an adapter hands `handle()` for `delivery`: the body already read. */
export function coreRequestOf(handler: WebhookHandler<null>, { body, headers, path }: Prepared): WebhookRequest<null> {
  return {
    method: "POST",
    header: (name) => headers[name],
    headers: () => headers,
    readBody: () => body,
    request: null,
    route: handler.match(path),
    path,
  };
}

/** `rounds` interleaved rounds of `perRound` fresh deliveries each side, after one warm-up round. */
export async function benchCore(sender: SenderName, { rounds, perRound }: { rounds: number; perRound: number }): Promise<CoreRow> {
  const handler = createWebhookHandler(await senders[sender].ours("ours"));
  const floor = await senders[sender].handWritten();
  let refused = 0;
  const ours = async (deliveries: Prepared[]) => {
    for (const delivery of deliveries) if ((await handler.handle(coreRequestOf(handler, delivery))).status >= 300) refused++;
  };
  const floorRun = async (deliveries: Prepared[]) => {
    for (const { body, headers } of deliveries) floor(body, (name) => headers[name]);
  };
  // Its own copy of the floor: the floor's Map of ids grows without end, and its size is part of its cost.
  const floorOfGuarded = await senders[sender].handWritten();
  const store = memoryIdempotencyStore();
  let next = 0;
  const guardedRun = async (deliveries: Prepared[]) => {
    for (const { body, headers } of deliveries) {
      floorOfGuarded(body, (name) => headers[name]);
      // The memory store and Node's digest answer synchronously.
      const claimed = store.claim(`${sender}:${next++}`, { type: "bench", digest: bodyDigest(body) as string }) as ClaimResult;
      if (claimed.status === "claimed") claimed.claim.complete(COMPLETED);
    }
  };
  const timed = (run: (deliveries: Prepared[]) => Promise<void>) => async () => {
    const deliveries = prepared(sender, perRound);
    const started = process.hrtime.bigint();
    await run(deliveries);
    return Number(process.hrtime.bigint() - started) / 1e3 / perRound;
  };
  await timed(ours)();
  await timed(floorRun)();
  await timed(guardedRun)();
  refused = 0;
  const runs = await interleaved(rounds, { ours: timed(ours), floor: timed(floorRun), guarded: timed(guardedRun) });
  const [oursUs, floorUs, guardedUs] = [median(runs.ours), median(runs.floor), median(runs.guarded)];
  return { sender, floor: senders[sender].baseline, oursUs, floorUs, guardedUs, ratio: floorUs / oursUs, refused };
}

const COMPLETED = Object.freeze({ outcome: "handled" });
