import { webhookSecretOrDemo } from "../../shared/demo-secret.js";
import { createApp } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
const { app } = createApp(webhookSecretOrDemo("express"), {
  allowMeteredPayments: process.env.SIGLUME_ALLOW_METERED === "1",
  publicOrigin: `http://127.0.0.1:${port}`,
});
app.listen(port, "127.0.0.1", () => console.log(`[express] listening on http://127.0.0.1:${port}/webhooks/siglume`));
