import { DELIVERY_OPTIONS, outgoing } from "../deliveries.js";
import { CliError, EXIT } from "../errors.js";
import { isSuccess, post, type Attempt } from "../http.js";
import { positiveInt, requireUrl } from "../input.js";
import { dim, out, red, statusColour } from "../output.js";
import type { Command } from "./command.js";

export function describeAttempt(label: string, attempt: Attempt): string {
  const latency = dim(`${attempt.ms.toFixed(1)} ms`);
  if (attempt.status === undefined) return `${label} ${red("no answer")} (${attempt.failure}) ${latency}`;
  const body = attempt.body ? ` ${attempt.body}` : "";
  return `${label} ${statusColour(attempt.status)(String(attempt.status))} ${latency}${body}`;
}

export const send: Command = {
  name: "send",
  usage:
    "send <kind|file.json> --url URL [--secret S] [--repeat N] [--concurrency C] [--timestamp T] [--timeout-ms MS] " +
    "[--hmac-key HEX] [--basic-auth USER:PASS] [--api-key K --api-secret BASE64 [--endpoint PATH]] [--svix] [--header NAME:VALUE]...",
  summary: "Sign one event and POST it; --repeat sends the same delivery N times (a redelivery burst).",
  details: [
    "Siglume kinds and event files are signed with --secret (else SIGLUME_WEBHOOK_SECRET).",
    "adyen-relayed and adyen-result are signed with --hmac-key (else ADYEN_HMAC_KEY) and carry",
    "--basic-auth (else ADYEN_BASIC_AUTH); the answer (for relayed: the decision) is printed.",
    "pomelo-otp and pomelo-token are signed with --api-key/--api-secret (else POMELO_API_KEY/POMELO_API_SECRET)",
    "for X-Endpoint = the URL's path (or --endpoint, when a proxy rewrites paths).",
    "standard (any Standard Webhooks receiver) is signed v1 with --secret whsec_… (else STANDARD_WEBHOOK_SECRET);",
    "--svix sends svix-id, svix-timestamp and svix-signature instead of the webhook-* headers.",
    "cleartx-confirmed, -declined, -rejected, -broadcasted and -confirmed-data are not signed (ClearTX has not",
    "published its scheme): --header NAME:VALUE, repeatable, adds what your verifier checks (any kind takes it).",
  ],
  options: {
    ...DELIVERY_OPTIONS,
    repeat: { type: "string" },
    concurrency: { type: "string" },
    timestamp: { type: "string" },
    "timeout-ms": { type: "string" },
  },
  async run({ values, positionals }) {
    const url = requireUrl(values.url as string | undefined);
    const event = outgoing(positionals[0], values, url);
    const repeat = positiveInt("repeat", values.repeat as string | undefined, 1);
    const concurrency = positiveInt("concurrency", values.concurrency as string | undefined, 1);
    const timeoutMs = positiveInt("timeout-ms", values["timeout-ms"] as string | undefined, 10_000);
    const request = event.sign();
    out(dim(`${event.label} → ${url.href}`));

    const attempts: Attempt[] = new Array(repeat);
    let next = 0;
    const worker = async () => {
      while (next < repeat) {
        const index = next++;
        attempts[index] = await post(url, request, timeoutMs);
        out(describeAttempt(`#${index + 1}`, attempts[index]!));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, repeat) }, worker));

    if (attempts.every((a) => a.status === undefined)) {
      throw new CliError(`cannot reach ${url.href}: ${attempts[0]?.failure}`, EXIT.UNREACHABLE);
    }
    return attempts.every(isSuccess) ? EXIT.OK : EXIT.FAILED;
  },
};
