import { DELIVERY_OPTIONS, outgoing } from "../deliveries.js";
import { EXIT } from "../errors.js";
import { isSuccess, post } from "../http.js";
import { positiveInt, requireUrl } from "../input.js";
import { dim, green, out, red } from "../output.js";
import type { Command } from "./command.js";
import { describeAttempt } from "./send.js";

/** Exponential backoff with full jitter, capped: a random wait in [0, min(cap, base·2^(n-1))]. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

export const deliver: Command = {
  name: "deliver",
  usage:
    "deliver <kind|file.json> --url URL [--retry] [--secret S] [--max-attempts N] [--base-delay-ms MS] [--max-delay-ms MS] [--timeout-ms MS] [--header NAME:VALUE]...",
  summary: "Emulate Siglume's sender: with --retry, redeliver on non-2xx or timeout with capped, jittered backoff.",
  details: [
    "Each attempt is signed afresh (new t=) with the same event id, as a real redelivery is.",
    "Defaults: --max-attempts 6, --base-delay-ms 500, --max-delay-ms 30000, --timeout-ms 10000.",
    "Exit 0 once an attempt gets a 2xx; exit 1 after the last attempt fails.",
  ],
  options: {
    ...DELIVERY_OPTIONS,
    retry: { type: "boolean" },
    "max-attempts": { type: "string" },
    "base-delay-ms": { type: "string" },
    "max-delay-ms": { type: "string" },
    "timeout-ms": { type: "string" },
  },
  async run({ values, positionals }) {
    const url = requireUrl(values.url as string | undefined);
    const event = outgoing(positionals[0], values, url);
    const maxAttempts = values.retry ? positiveInt("max-attempts", values["max-attempts"] as string | undefined, 6) : 1;
    const baseMs = positiveInt("base-delay-ms", values["base-delay-ms"] as string | undefined, 500);
    const capMs = positiveInt("max-delay-ms", values["max-delay-ms"] as string | undefined, 30_000);
    const timeoutMs = positiveInt("timeout-ms", values["timeout-ms"] as string | undefined, 10_000);

    out(dim(`${event.label} → ${url.href}, up to ${maxAttempts} attempt(s)`));
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await post(url, event.sign(), timeoutMs);
      out(describeAttempt(`attempt ${attempt}/${maxAttempts}`, result));
      if (isSuccess(result)) {
        out(green(`delivered after ${attempt} attempt(s)`));
        return EXIT.OK;
      }
      if (attempt < maxAttempts) {
        const wait = backoffMs(attempt, baseMs, capMs);
        out(dim(`retrying in ${wait} ms`));
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    out(red(`gave up after ${maxAttempts} attempt(s)`));
    return EXIT.FAILED;
  },
};
