import { signSiglumeWebhook } from "@siglume-middleware/core";
import { CliError, EXIT } from "../errors.js";
import { readInput, requireSecret } from "../input.js";
import { out } from "../output.js";
import type { Command } from "./command.js";

export const sign: Command = {
  name: "sign",
  usage: "sign [--secret S] [--timestamp T] [file|-]",
  summary: "Print the Siglume-Signature header for a body (a file, or standard input).",
  options: { secret: { type: "string" }, timestamp: { type: "string" } },
  async run({ values, positionals }) {
    const secret = requireSecret(values.secret as string | undefined);
    const timestamp = values.timestamp === undefined ? undefined : Number(values.timestamp);
    if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) throw new CliError("--timestamp must be unix seconds");
    out(signSiglumeWebhook(secret, readInput(positionals[0]), { timestamp }));
    return EXIT.OK;
  },
};
