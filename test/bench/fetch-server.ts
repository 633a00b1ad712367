// The bench server on Bun (Bun.serve) and Deno (Deno.serve): SENDER and VARIANT as in server.ts, "ours" being
// @siglume-middleware/web's webhookFetchHandler and "baseline" the hand-written fetch route (senders.ts).
// Prints "LISTENING <port>" (lib.ts startServer).
import { webhookFetchHandler } from "@siglume-middleware/web";
import { fetchBaseline, senders, type SenderName } from "./senders.js";

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
const fetch: Fetch = variant === "baseline" ? fetchBaseline(sender.path, await sender.handWritten()) : webhookFetchHandler(await sender.ours(variant));

if (runtime.Bun) {
  const server = runtime.Bun.serve({ fetch, port: 0, hostname: "127.0.0.1" });
  console.log(`LISTENING ${server.port}`);
  process.on("SIGTERM", () => process.exit(0));
} else if (runtime.Deno) {
  const deno = runtime.Deno;
  deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`LISTENING ${port}`) }, fetch);
  deno.addSignalListener("SIGTERM", () => deno.exit(0));
} else throw new Error("fetch-server.ts runs on Bun or Deno; Node's fetch target is server.ts (FRAMEWORK=fetch)");
