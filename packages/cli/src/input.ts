import { readFileSync } from "node:fs";
import { envelopeProblem, type SiglumeEvent } from "@siglume-middleware/core";
import { EVENT_KINDS } from "@siglume-middleware/testing";
import { CliError } from "./errors.js";

export function requireSecret(secret: string | undefined): string {
  const value = secret ?? process.env.SIGLUME_WEBHOOK_SECRET;
  if (!value) throw new CliError("no secret: pass --secret S or set SIGLUME_WEBHOOK_SECRET");
  return value;
}

/** Reads a file, or standard input for "-" or no argument. */
export function readInput(source: string | undefined): Buffer {
  try {
    return readFileSync(source === undefined || source === "-" ? 0 : source);
  } catch (error) {
    throw new CliError(`cannot read ${source ?? "standard input"}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A kind name ("standard-settled") builds a fresh event; anything else is a JSON file holding one. */
export function loadEvent(source: string | undefined): SiglumeEvent {
  if (source === undefined) throw new CliError(`missing event: name a kind (${Object.keys(EVENT_KINDS).join(", ")}) or a .json file`);
  const build = EVENT_KINDS[source];
  if (build) return build();
  if (!source.endsWith(".json") && !source.includes("/")) {
    throw new CliError(`unknown kind "${source}": expected one of ${Object.keys(EVENT_KINDS).join(", ")}, or a .json file`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInput(source).toString("utf8"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const problem = envelopeProblem(parsed);
  if (problem) throw new CliError(`${source} is not a Siglume event: ${problem}`);
  return parsed as SiglumeEvent;
}

export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

export function requireUrl(value: string | undefined, option = "--url"): URL {
  if (!value) throw new CliError("missing --url: where to send, e.g. --url http://127.0.0.1:3000/webhooks/siglume");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${option} "${value}" is not an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`${option} "${value}" is not an http(s) URL`);
  if (url.username !== "" || url.password !== "") {
    // Never echoed: the line would put the password in the terminal's scrollback and CI logs (and fetch refuses it).
    throw new CliError(
      `${option} must not carry a user name or password (user:password@host). For Adyen's Basic authentication pass ` +
        "--basic-auth user:password (or ADYEN_BASIC_AUTH); other headers go in --header NAME:VALUE.",
    );
  }
  return url;
}
