/// <reference types="bun" />
/// <reference types="deno" />
// The same Hono app on Node (@hono/node-server: `npm start`), Bun (Bun.serve: `bun src/server.ts`) or Deno
// (Deno.serve: `deno run` with the permissions in package.json's "start:deno"), whichever runs this file.
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";
import { createApp } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
const hostname = "127.0.0.1";
const { app } = createApp(webhookSecretOrDemo("hono"), {
  allowMeteredPayments: process.env.SIGLUME_ALLOW_METERED === "1",
  publicOrigin: `http://${hostname}:${port}`,
});
const listening = (runtime: string, on: number) =>
  console.log(`[hono] listening on http://${hostname}:${on}/webhooks/siglume (${runtime})`);

if (typeof Bun !== "undefined") {
  const server = Bun.serve({ fetch: app.fetch, port, hostname });
  listening(`Bun ${Bun.version}`, server.port!);
} else if (typeof Deno !== "undefined") {
  Deno.serve({ port, hostname, onListen: (address) => listening(`Deno ${Deno.version.deno}`, address.port) }, app.fetch);
} else {
  const { serve } = await import("@hono/node-server");
  serve({ fetch: app.fetch, port, hostname }, (address) => listening(`Node ${process.versions.node}`, address.port));
}
