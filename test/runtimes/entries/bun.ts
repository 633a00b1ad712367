/// <reference types="bun" />
// The smoke app on Bun, through Bun.serve. Prints "LISTENING <port>" once it accepts connections.
import { createSmokeApp } from "../app.js";
import { storeFrom } from "../store.js";

const app = createSmokeApp("bun", await storeFrom(process.env.SMOKE_STORE));
const server = Bun.serve({ fetch: app, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" });
console.log(`LISTENING ${server.port}`);
process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
