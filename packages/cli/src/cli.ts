import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ALL_KINDS } from "./deliveries.js";
import type { Command } from "./commands/command.js";
import { deliver } from "./commands/deliver.js";
import { send } from "./commands/send.js";
import { sign } from "./commands/sign.js";
import { sandbox } from "./commands/sandbox.js";
import { verify } from "./commands/verify.js";
import { CliError, EXIT } from "./errors.js";
import { out, red } from "./output.js";

const commands: Command[] = [send, deliver, sign, verify, sandbox];

const mainHelp = [
  "siglume-webhooks: send, deliver, sign and verify Siglume webhooks locally.",
  "",
  "Commands:",
  ...commands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
  "",
  "Run `siglume-webhooks <command> --help` for its options; `siglume-webhooks --version` prints the version.",
  "The secret comes from --secret, else SIGLUME_WEBHOOK_SECRET.",
  "",
  `Event kinds: ${ALL_KINDS.join(", ")}`,
  "",
  "Exit codes:",
  "  0  success (every delivery got a 2xx; the signature is valid)",
  "  1  the endpoint refused (non-2xx), deliver gave up, or verify found the signature invalid",
  "  2  bad usage or input (unknown command or kind, invalid JSON file, missing secret or --url)",
  "  3  the endpoint could not be reached (send)",
].join("\n");

function commandHelp(command: Command): string {
  return [`Usage: siglume-webhooks ${command.usage}`, "", command.summary, ...(command.details ?? [])].join("\n");
}

/** This package's version: package.json sits one level above both src/ and dist/. */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(mainHelp);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version" || name === "-v") {
    out(version());
    return EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new CliError(`unknown command "${name}": expected ${commands.map((c) => c.name).join(", ")}`);
  if (rest.includes("--help") || rest.includes("-h")) {
    out(commandHelp(command));
    return EXIT.OK;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message.split("\n")[0]} (see siglume-webhooks ${command.name} --help)`);
  }
  return command.run(parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`${red("error:")} ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      // A bug in the tool, not bad input: keep the detail, but on one line first.
      process.stderr.write(`${red("internal error:")} ${(error as Error)?.message ?? error}\n`);
      process.exitCode = 70;
    }
  },
);
