// Siglume's readiness sequence (what `siglume-check verify --sandbox` of Siglume's reference SDK checks before a
// merchant opens checkout), written here with our own merchant client: the settings from the environment the
// sandbox prints, the readiness answer, the merchant account, the webhook subscription, a probe checkout session
// and a readiness-probe test delivery that the app must answer 2xx. Returns every check that failed, by name.
import { SiglumeMerchantClient } from "@siglume-middleware/checkout";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const ACTIVE = new Set(["active", "ready", "current", "ok", "enabled", "paid", "complete", "completed"]);

/** An origin only (no path), https or, for a sandbox, http on loopback. */
function isShopOrigin(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const url = new URL(value);
    const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
    return secure && url.origin === value.replace(/\/$/, "");
  } catch {
    return false;
  }
}

const sameUrl = (a: unknown, b: unknown) => {
  try {
    return new URL(String(a)).href === new URL(String(b)).href;
  } catch {
    return false;
  }
};

export interface ReadinessResult {
  failed: string[];
  /** The probe's event id, when one was queued. */
  probeEventId?: string;
}

/** Runs the sequence in sandbox mode with `env` (SIGLUME_API_BASE, SHOP_PUBLIC_ORIGIN, SHOP_WEBHOOK_URL, …). */
export async function checkSandboxReadiness(env: Record<string, string | undefined>, { probeTimeoutMs = 10_000 } = {}): Promise<ReadinessResult> {
  const failed: string[] = [];
  const check = (name: string, passed: boolean) => void (passed || failed.push(name));
  const merchant = env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "";
  const origin = env.SHOP_PUBLIC_ORIGIN;
  const webhookUrl = env.SHOP_WEBHOOK_URL;
  const secret = env.SIGLUME_WEBHOOK_SECRET ?? "";
  check("merchant_key", merchant !== "");
  check("merchant_token", Boolean(env.SIGLUME_MERCHANT_AUTH_TOKEN));
  check("shop_origin", isShopOrigin(origin));
  check("webhook_url", Boolean(webhookUrl));
  check("webhook_secret_present", secret.startsWith("whsec_"));
  if (failed.length > 0) return { failed };

  const client = new SiglumeMerchantClient({ apiBase: env.SIGLUME_API_BASE, merchantAuthToken: env.SIGLUME_MERCHANT_AUTH_TOKEN });
  const readiness = await client.getMerchantReadiness(merchant);
  check("hosted_checkout_readiness_ready", readiness.ready === true);
  check("hosted_checkout_missing_requirements", (readiness.missing_requirements ?? []).length === 0);
  check("hosted_checkout_blockers", (readiness.blockers ?? []).length === 0);
  check("merchant_responsibility_attested", readiness.merchant_responsibility_attested === true);

  const account = (await client.getMerchant(merchant)).merchant_account ?? {};
  check("merchant_exists", Boolean(account.merchant));
  check("billing_mandate", Boolean(account.billing_mandate_id));
  check("billing_status_active", ACTIVE.has(String(account.billing_status ?? "").toLowerCase()));
  check("merchant_status_active", ["active", "ready"].includes(String(account.status ?? "").toLowerCase()));
  if (failed.length > 0) return { failed };

  const active = (await client.listWebhookSubscriptions()).filter((s) => ACTIVE.has(String(s.status).toLowerCase()));
  const subscription = active.find((s) => sameUrl(s.callback_url, webhookUrl));
  check("webhook_subscription_exists", active.length > 0);
  check("webhook_callback_matches", subscription !== undefined);
  check("direct_payment_confirmed_subscribed", subscription !== undefined && (subscription.event_types.length === 0 || subscription.event_types.includes("direct_payment.confirmed")));
  check("webhook_secret_matches_subscription_hint", Boolean(subscription?.signing_secret_hint) && secret.endsWith(subscription!.signing_secret_hint));
  if (failed.length > 0) return { failed };

  const session = await client.createCheckoutSession({
    merchant,
    amount_minor: 501,
    currency: "JPY",
    nonce: `readiness-${Date.now()}`,
    success_url: `${origin}/siglume-readiness/success`,
    cancel_url: `${origin}/siglume-readiness/cancel`,
    metadata: { source: "readiness" },
  });
  check("hosted_checkout_probe", Boolean(session.checkout_url && session.challenge_hash));
  if (failed.length > 0) return { failed };

  const queued = await client.queueWebhookTestDelivery({
    event_type: "direct_payment.confirmed",
    subscription_ids: [subscription!.id],
    data: { mode: "readiness_probe", readiness_probe: true, merchant, requirement_id: `dpr_readiness_${Date.now()}`, challenge_hash: "sha256:readiness_probe", pricing_band: "standard", settlement_status: "readiness_probe" },
  });
  const probeEventId = queued.event.id;
  const deadline = Date.now() + probeTimeoutMs;
  let status: string | undefined;
  while (status !== "delivered" && status !== "failed" && Date.now() < deadline) {
    const deliveries = await client.listWebhookDeliveries({ subscription_id: subscription!.id, event_type: "direct_payment.confirmed", limit: 10 });
    status = deliveries.find((d) => d.event_id === probeEventId)?.delivery_status;
    if (status === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  check("webhook_delivery_probe_passed", status === "delivered");
  return { failed, probeEventId };
}
