import { SANDBOX_DEFAULTS, startSiglumeSandbox } from "@siglume-middleware/sandbox";
import { CliError, EXIT } from "../errors.js";
import { positiveInt, requireUrl } from "../input.js";
import { dim, out } from "../output.js";
import type { Command } from "./command.js";

export const sandbox: Command = {
  name: "sandbox",
  usage:
    "sandbox --webhook-url URL [--port 8787] [--origin ORIGIN]… [--secret S] [--merchant M] [--token T] [--hosted-checkout-disabled]",
  summary: "Run a local Siglume-compatible API: checkout sessions, a hosted pay page, signed webhooks with retries.",
  details: [
    `Defaults: --port ${SANDBOX_DEFAULTS.port}, --origin ${SANDBOX_DEFAULTS.origin} (repeatable: where success/cancel URLs may point),`,
    `--merchant ${SANDBOX_DEFAULTS.merchant}, --token ${SANDBOX_DEFAULTS.merchantAuthToken}, --secret ${SANDBOX_DEFAULTS.webhookSecret} (not read from the environment).`,
    "Prints the environment variables to give your app, then serves until Ctrl-C.",
    "Open a session's checkout_url to confirm or cancel it; POST /v1/sandbox/checkout-sessions/<id>/confirm and",
    "…/redeliver do the same from a script (redeliver: the same event again, freshly signed; 502 if your app refused it).",
  ],
  options: {
    "webhook-url": { type: "string" },
    port: { type: "string" },
    origin: { type: "string", multiple: true },
    secret: { type: "string" },
    merchant: { type: "string" },
    token: { type: "string" },
    "hosted-checkout-disabled": { type: "boolean" },
  },
  async run({ values }) {
    if (values["webhook-url"] === undefined) {
      throw new CliError("missing --webhook-url: where your app receives Siglume webhooks, e.g. --webhook-url http://127.0.0.1:3000/webhooks/siglume");
    }
    const webhookUrl = requireUrl(values["webhook-url"] as string, "--webhook-url").href;
    let running;
    try {
      running = await startSiglumeSandbox({
        webhookUrl,
        port: positiveInt("port", values.port as string | undefined, SANDBOX_DEFAULTS.port),
        origin: (values.origin as unknown as string[] | undefined) ?? SANDBOX_DEFAULTS.origin,
        webhookSecret: (values.secret as string | undefined) ?? SANDBOX_DEFAULTS.webhookSecret,
        merchant: values.merchant as string | undefined,
        merchantAuthToken: values.token as string | undefined,
        hostedCheckoutEnabled: values["hosted-checkout-disabled"] !== true,
        log: (line) => out(dim(line)),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new CliError(`port ${values.port ?? SANDBOX_DEFAULTS.port} is in use: pass --port`, EXIT.USAGE);
      if (error instanceof TypeError) throw new CliError(error.message, EXIT.USAGE);
      throw error;
    }
    out(`Siglume sandbox listening on ${running.url} (webhooks to ${webhookUrl})`);
    out("Set these in your app's environment:");
    for (const [name, value] of Object.entries(running.env)) out(`  ${name}=${value}`);
    out(`Redeliver a confirmed session's webhook: curl -X POST ${running.url}/v1/sandbox/checkout-sessions/<session_id>/redeliver`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.close();
    return EXIT.OK;
  },
};
