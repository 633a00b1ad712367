import {
  DEFAULT_TOLERANCE_SECONDS,
  SiglumeWebhookError,
  classifyDirectPaymentConfirmation,
  parseSignatureHeader,
  verifySiglumeSignature,
  verifySiglumeWebhook,
} from "@siglume-middleware/core";
import { CliError, EXIT } from "../errors.js";
import { readInput, requireSecret } from "../input.js";
import { green, out, red } from "../output.js";
import type { Command } from "./command.js";

/** Bodies a sender or a framework commonly turns the signed bytes into. */
function likelyRewrites(body: Buffer): [string, Buffer][] {
  const text = body.toString("utf8");
  const rewrites: [string, string][] = [
    ["a trailing newline was added to the body", text.replace(/\r?\n$/, "")],
    ["line endings were changed", text.replace(/\r\n/g, "\n")],
  ];
  try {
    const parsed = JSON.parse(text);
    rewrites.push(["the JSON was re-serialised (parsed and stringified again)", JSON.stringify(parsed)]);
  } catch {
    // Not JSON: nothing to re-serialise.
  }
  return rewrites.filter(([, candidate]) => candidate !== text).map(([why, candidate]) => [why, Buffer.from(candidate)]);
}

/** Turns a verification failure into the most specific explanation we can prove. */
export function diagnose(
  error: SiglumeWebhookError,
  body: Buffer,
  header: string,
  secret: string,
  now: number,
  toleranceSeconds: number,
): string {
  switch (error.code) {
    case "SIGNATURE_HEADER_MISSING":
    case "SIGNATURE_HEADER_MALFORMED":
      return `header malformed: ${error.message}`;
    case "TIMESTAMP_OUT_OF_TOLERANCE": {
      const { timestamp } = parseSignatureHeader(header);
      const skew = now - timestamp;
      return `stale timestamp: t=${timestamp} is ${Math.abs(skew)} s ${skew > 0 ? "old" : "in the future"} (tolerance ${toleranceSeconds} s); the signature itself matches`;
    }
    case "SIGNATURE_MISMATCH": {
      for (const [why, candidate] of likelyRewrites(body)) {
        try {
          verifySiglumeSignature(candidate, header, [secret], Number.MAX_SAFE_INTEGER, now);
          return `body changed: the signature matches a version of this body where ${why}; verify the exact bytes received`;
        } catch {
          // Not this rewrite.
        }
      }
      return "wrong secret or body changed: no v1 matches this body with this secret (check SIGLUME_WEBHOOK_SECRET is this endpoint's, and that nothing rewrote the body)";
    }
    default:
      return `${error.code}: ${error.message}`;
  }
}

export const verify: Command = {
  name: "verify",
  usage: "verify --header H [--secret S] [--tolerance SECONDS] [--now T] [file|-]",
  summary: "Check a body against a Siglume-Signature header and explain exactly why it fails.",
  details: ["Exit 0 when valid, 1 when not (wrong secret, body changed, stale timestamp, header malformed)."],
  options: {
    secret: { type: "string" },
    header: { type: "string" },
    tolerance: { type: "string" },
    now: { type: "string" },
  },
  async run({ values, positionals }) {
    const secret = requireSecret(values.secret as string | undefined);
    const header = values.header as string | undefined;
    if (header === undefined) throw new CliError("missing --header: the Siglume-Signature value to check");
    const toleranceSeconds = values.tolerance === undefined ? DEFAULT_TOLERANCE_SECONDS : Number(values.tolerance);
    const now = values.now === undefined ? Math.floor(Date.now() / 1000) : Number(values.now);
    if (!Number.isFinite(toleranceSeconds) || !Number.isFinite(now)) throw new CliError("--tolerance and --now take numbers");
    const body = readInput(positionals[0]);
    try {
      const event = verifySiglumeWebhook(body, header, { secret, toleranceSeconds, now });
      const classified = classifyDirectPaymentConfirmation(event);
      const kind = classified.kind === "unknown" ? `unknown (${classified.reason})` : classified.kind;
      out(green(`valid: event ${event.id} (${event.type}), classified ${kind}`));
      return EXIT.OK;
    } catch (error) {
      if (!(error instanceof SiglumeWebhookError)) throw error;
      out(red(`invalid: ${diagnose(error, body, header, secret, now, toleranceSeconds)}`));
      return EXIT.FAILED;
    }
  },
};
