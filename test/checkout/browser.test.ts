// The sandbox's hosted page in a real headless Chromium (Debian's, driven by playwright-core; no browser
// download): open checkout_url, click Confirm, land on the shop's success_url, the order paid once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shops, startCheckout, startShopWithSandbox, type ShopWithSandbox } from "../support/checkout-apps.js";

const CHROMIUM = "/usr/bin/chromium";

describe("hosted sandbox page in headless Chromium", () => {
  let browser: BrowserContext;
  let world: ShopWithSandbox;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), "siglume-chromium-"));
    [browser, world] = await Promise.all([
      // A fresh profile directory per run (Playwright passes it as --user-data-dir).
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
      startShopWithSandbox(shops.find((s) => s.name === "express")!),
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("confirm on checkout_url lands on success_url with the order paid once", async () => {
    world.orders.put({ id: "ord_browser", amount_minor: 3000, currency: "JPY", status: "unpaid", owner: "alice" });
    const started = await startCheckout(world.shop, { order_id: "ord_browser" });
    const { checkout_url, session_id } = (await started.json()) as { checkout_url: string; session_id: string };

    const page = await browser.newPage();
    await page.goto(checkout_url);
    expect(await page.textContent("#amount")).toBe("JPY 3,000");
    expect(await page.textContent("#status")).toBe("open");
    await Promise.all([page.waitForURL(`${world.shop.url}/checkout/siglume/success**`), page.click("#confirm")]);

    const landed = new URL(page.url());
    expect(landed.pathname).toBe("/checkout/siglume/success");
    expect(landed.searchParams.get("order_id")).toBe("ord_browser");
    expect(landed.searchParams.get("session_id")).toBe(session_id);
    // The webhook was answered before the redirect, so the success page already sees the order paid.
    expect(await page.textContent("#order-status")).toBe("paid");
    expect(world.orders.paidCount("ord_browser")).toBe(1);

    // Back to the hosted page: it shows the session paid and cannot be confirmed again.
    await page.goto(checkout_url);
    expect(await page.textContent("#status")).toBe("paid");
    expect(await page.isDisabled("#confirm")).toBe(true);
    expect(world.orders.paidCount("ord_browser")).toBe(1);
    await page.close();
  });

  it("cancel on checkout_url lands on cancel_url and leaves the order unpaid", async () => {
    world.orders.put({ id: "ord_browser_cancel", amount_minor: 3000, currency: "JPY", status: "unpaid", owner: "alice" });
    const started = await startCheckout(world.shop, { order_id: "ord_browser_cancel" });
    const { checkout_url } = (await started.json()) as { checkout_url: string };
    const page = await browser.newPage();
    await page.goto(checkout_url);
    await Promise.all([page.waitForURL(`${world.shop.url}/checkout/siglume/cancel**`), page.click("#cancel")]);
    expect(world.orders.get("ord_browser_cancel")!.status).toBe("unpaid");
    expect(world.orders.paidCount("ord_browser_cancel")).toBe(0);
    await page.close();
  });
});
