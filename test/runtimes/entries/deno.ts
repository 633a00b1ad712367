/// <reference types="deno" />
// The smoke app on Deno, through Deno.serve. Prints "LISTENING <port>" once it accepts connections.
import { createSmokeApp } from "../app.js";
import { storeFrom } from "../store.js";

const app = createSmokeApp("deno", await storeFrom(Deno.env.get("SMOKE_STORE")));
const server = Deno.serve(
  { port: Number(Deno.env.get("PORT") ?? 0), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`LISTENING ${port}`) },
  app,
);
Deno.addSignalListener("SIGTERM", () => void server.shutdown().then(() => Deno.exit(0)));
