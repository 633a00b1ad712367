// The bench server on Bun (Bun.serve) and Deno (Deno.serve): SENDER and VARIANT as in server.ts, "ours" being
// @siglume-middleware/web's webhookFetchHandler, "baseline" the hand-written fetch route and "guarded" (or
// "guarded-N") that route with ours' guarantees (senders.ts).
// Prints "LISTENING <port>" (lib.ts startServer).
import { webhookFetchHandler } from "@siglume-middleware/web";
import { fetchBaseline, fetchGuarded, GUARANTEES, senders, type SenderName } from "./senders.js";

type Fetch = (request: Request) => Promise<Response>;
const runtime = globalThis as unknown as {
  Bun?: { serve(options: { fetch: Fetch; port: number; hostname: string }): { port: number } };
  Deno?: {
    serve(options: { port: number; hostname: string; onListen(address: { port: number }): void }, fetch: Fetch): unknown;
    exit(code: number): never;
    addSignalListener(signal: "SIGTERM", listener: () => void): void;
  };
};

const sender = senders[(process.env.SENDER ?? "siglume") as SenderName];
const variant = process.env.VARIANT ?? "ours";
// "guarded-N": the first N of GUARANTEES; "guarded": all of them (as in server.ts).
const level = variant === "guarded" ? GUARANTEES.length : variant.startsWith("guarded-") ? Number(variant.slice(8)) : 0;
const fetch: Fetch =
  variant === "baseline"
    ? fetchBaseline(sender.path, await sender.handWritten())
    : level > 0
      ? fetchGuarded(sender.path, (await sender.guarded?.(level)) ?? missing())
      : webhookFetchHandler(await sender.ours(variant));

function missing(): never {
  throw new Error(`no guarded route for ${process.env.SENDER}`);
}

if (runtime.Bun) {
  const server = runtime.Bun.serve({ fetch, port: 0, hostname: "127.0.0.1" });
  console.log(`LISTENING ${server.port}`);
  process.on("SIGTERM", () => process.exit(0));
} else if (runtime.Deno) {
  const deno = runtime.Deno;
  deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`LISTENING ${port}`) }, fetch);
  deno.addSignalListener("SIGTERM", () => deno.exit(0));
} else throw new Error("fetch-server.ts runs on Bun or Deno; Node's fetch target is server.ts (FRAMEWORK=fetch)");
