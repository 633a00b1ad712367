// The smoke app on Node, through @hono/node-server. Prints "LISTENING <port>" once it accepts connections.
import { serve } from "@hono/node-server";
import { createSmokeApp } from "../app.js";
import { storeFrom } from "../store.js";

const app = createSmokeApp("node", await storeFrom(process.env.SMOKE_STORE));
const server = serve({ fetch: app, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) =>
  console.log(`LISTENING ${info.port}`),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
