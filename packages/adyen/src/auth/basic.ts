import { createHash, timingSafeEqual } from "node:crypto";
import { SiglumeWebhookError } from "@siglume-middleware/core";

export interface BasicAuthCredentials {
  username: string;
  password: string;
}

const CHALLENGE = { "www-authenticate": 'Basic realm="adyen-webhooks", charset="UTF-8"' };

// Compared as SHA-256 digests: equal lengths for timingSafeEqual, and no length leak.
const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * The `Authorization: Basic …` check Adyen's webhook settings configure: it
 * proves the sender (the HMAC proves the body). Compared in constant time.
 */
export function basicAuthChecker(credentials: BasicAuthCredentials): (header: string | string[] | undefined) => void {
  const expected = digest(`${credentials.username}:${credentials.password}`);
  return (header) => {
    const value = typeof header === "string" ? header.trim() : "";
    const space = value.indexOf(" ");
    if (value === "" || space === -1 || value.slice(0, space).toLowerCase() !== "basic") {
      throw new SiglumeWebhookError(
        "ADYEN_BASIC_AUTH_MISSING",
        "No Basic authentication on the request. Set the username and password of this webhook in the Customer Area " +
          "(Developers › Webhooks › Authentication) to the ones this app is configured with.",
        { status: 401, headers: CHALLENGE },
      );
    }
    const given = Buffer.from(value.slice(space + 1).trim(), "base64").toString("utf8");
    if (!timingSafeEqual(digest(given), expected)) {
      throw new SiglumeWebhookError(
        "ADYEN_BASIC_AUTH_MISMATCH",
        "The Basic authentication username or password does not match this app's. Check both in the Customer Area " +
          "(Developers › Webhooks › Authentication) and in this app's configuration.",
        { status: 401, headers: CHALLENGE },
      );
    }
  };
}
