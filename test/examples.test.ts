// The example apps refuse to start in production without their secret (the demo secret is public), and
// their checkout without the merchant's own settings (the sandbox's would send shoppers nowhere real). The
// examples that run on Bun and Deno too (examples/hono) do so on each runtime, and take a payment there.
// The Next.js example runs the same cases on its build: nextjs/example.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import {
  DEMO_SECRET,
  FRAMEWORKS,
  MULTI_RUNTIME_EXAMPLES,
  SENDER_EXAMPLES,
  freePort,
  startExample,
  startSandbox,
  type RunningExample,
} from "../scripts/lib/examples.mjs";
import { RUNTIMES } from "../scripts/lib/runtimes.mjs";
import { productionRefusalCases } from "./support/examples.js";

/** Every framework example on Node (Next.js in its own project), and the multi-runtime ones on Bun and Deno too. */
const onRuntimes = [
  ...FRAMEWORKS.filter((name) => name !== "nextjs").map((name) => [name, "node"] as const),
  ...MULTI_RUNTIME_EXAMPLES.flatMap((name) => RUNTIMES.filter((runtime) => runtime !== "node").map((runtime) => [name, runtime] as const)),
];

const SENDER_SECRET = { adyen: "ADYEN_HMAC_KEY", pomelo: "POMELO_API_SECRET", cleartx: "CLEARTX_WEBHOOK_TOKEN" } as const;

describe.each(onRuntimes)("examples/%s on %s in production", (framework, runtime) => {
  productionRefusalCases(framework, "SIGLUME_WEBHOOK_SECRET", { checkout: true, runtime });
});

describe.each(
  (Object.keys(SENDER_SECRET) as (keyof typeof SENDER_SECRET)[]).flatMap((sender) => SENDER_EXAMPLES[sender].map((name) => [name, SENDER_SECRET[sender]] as const)),
)("examples/%s in production", (framework, variable) => {
  productionRefusalCases(framework, variable, { checkout: false });
});

describe.each(MULTI_RUNTIME_EXAMPLES.flatMap((name) => RUNTIMES.map((runtime) => [name, runtime] as const)))(
  "examples/%s on %s takes a payment",
  (framework, runtime) => {
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    let app: RunningExample;
    beforeAll(async () => {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      sandbox = await startSandbox({ webhookUrl: `${origin}/webhooks/siglume`, origin, secret: DEMO_SECRET });
      app = await startExample(framework, { runtime, port, env: sandbox.env });
    }, 60_000);
    afterAll(() => Promise.all([app?.stop(), sandbox?.stop()]));

    const shopper = { "content-type": "application/json", "x-demo-shopper": "demo-shopper" };
    const order = async (id: string) => (await fetch(`${app.origin}/orders/${id}`)).json() as Promise<{ status: string } | null>;

    it(`says it listens on ${runtime}`, () => {
      expect(app.output()).toMatch(new RegExp(`\\[${framework}\\] listening on .* \\(${runtime}`, "i"));
    });

    it("checkout start → confirm at the sandbox → the order is paid once, also after a redelivery", async () => {
      const started = await fetch(`${app.origin}/checkout/siglume/start`, { method: "POST", headers: shopper, body: JSON.stringify({ order_id: "ord_standard" }) });
      expect(started.status).toBe(200);
      const { session_id: session } = (await started.json()) as { session_id: string };
      const action = (name: string) => fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${session}/${name}`, { method: "POST" });
      // The sandbox answers once the app answered its delivery.
      expect(await (await action("confirm")).json()).toMatchObject({ data: { status: "paid", response_status: 204 } });
      expect(await order("ord_standard")).toMatchObject({ status: "paid" });
      expect((await action("redeliver")).status).toBe(200);
      expect(app.output().match(/\[\w+\] order ord_standard is paid/g)).toHaveLength(1);
      const again = await fetch(`${app.origin}/checkout/siglume/start`, { method: "POST", headers: shopper, body: JSON.stringify({ order_id: "ord_standard" }) });
      expect(again.status).toBe(409);
    });

    it("reviews a payment for no checkout of this shop, and refuses a forged delivery", async () => {
      const event = siglumeEvents.standardSettled();
      const stray = signedRequest(event, { secret: DEMO_SECRET });
      expect((await fetch(app.url, { method: "POST", headers: stray.headers, body: stray.text })).status).toBe(204);
      const forged = signedRequest(siglumeEvents.standardSettled(), { secret: "whsec_forged" });
      const refused = await fetch(app.url, { method: "POST", headers: forged.headers, body: forged.text });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_MISMATCH");
      const reviews = (await (await fetch(`${app.origin}/reviews`)).json()) as { eventId: string; reason: string }[];
      expect(reviews).toEqual([{ eventId: event.id, reason: "unknown_challenge_hash" }]);
    });
  },
);
