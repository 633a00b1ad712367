import { webhookSecretOrDemo } from "../../shared/demo-secret.js";
import { createApp } from "./app.js";

const { app } = createApp(webhookSecretOrDemo("express"));
const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`[express] listening on http://127.0.0.1:${port}/webhooks/siglume`));
