/// <reference types="bun" />
/// <reference types="deno" />
// One app instance for the multi-instance store tests on Bun or Deno, run as its own process by that runtime:
// the same handlers as the Node instances (support/instance-handlers.ts) through @siglume-middleware/web's
// fetch handler, served by Bun.serve or Deno.serve (whichever runtime this is) on a free port.
import { siglumeFetchHandler } from "@siglume-middleware/web";
import { options, say } from "./instance-handlers.js";

const handler = siglumeFetchHandler(options);

function listen(): Promise<number> {
  if (typeof Bun !== "undefined") return Promise.resolve(Bun.serve({ fetch: handler, port: 0, hostname: "127.0.0.1" }).port!);
  if (typeof Deno !== "undefined") {
    return new Promise((resolve) => Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) }, handler));
  }
  throw new Error("support/instance-fetch.ts runs on Bun or Deno");
}

say(`LISTENING ${await listen()}`);
