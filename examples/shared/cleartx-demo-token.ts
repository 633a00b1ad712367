import { createHash, timingSafeEqual } from "node:crypto";
import { secretOrDemo } from "./demo-secret.js";

/**
 * The ClearTX examples' `verify`. ClearTX has not published how it signs notifications: put the check
 * ClearTX gives you in `verify` (it gets the exact bytes and every header before anything is parsed).
 * Until then the demo accepts a shared token in a header (x-cleartx-token, CLEARTX_WEBHOOK_TOKEN), so
 * that it can show a refusal; it proves nothing about the body. Compared in constant time.
 */
export function demoTokenVerify(app: string): (input: { header(name: string): string | undefined }) => boolean {
  const token = secretOrDemo(app, "CLEARTX_WEBHOOK_TOKEN", "demo-token", "The demo token is public; set up the check ClearTX gives you.");
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  const expected = digest(token);
  return ({ header }) => {
    const given = header("x-cleartx-token");
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}
