import { createApp } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
// Demo default only: in production set SIGLUME_WEBHOOK_SECRET to your endpoint's secret.
const { app } = createApp(process.env.SIGLUME_WEBHOOK_SECRET ?? "whsec_demo_secret", {
  allowMeteredPayments: process.env.SIGLUME_ALLOW_METERED === "1",
  publicOrigin: `http://127.0.0.1:${port}`,
});
app.listen(port, "127.0.0.1", () => console.log(`[express] listening on http://127.0.0.1:${port}/webhooks/siglume`));
