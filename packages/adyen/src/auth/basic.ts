import { createHash, timingSafeEqual } from "node:crypto";
import { SiglumeWebhookError } from "@siglume-middleware/core";

export interface BasicAuthCredentials {
  username: string;
  password: string;
}

const CHALLENGE = { "www-authenticate": 'Basic realm="adyen-webhooks", charset="UTF-8"' };

/**
 * The `Authorization: Basic …` check Adyen's webhook settings configure: it
 * proves the sender (the HMAC proves the body). Compared in constant time.
 */
export function basicAuthChecker(credentials: BasicAuthCredentials): (header: string | string[] | undefined) => void {
  const expectedText = `${credentials.username}:${credentials.password}`;
  // What Adyen sends, byte for byte: compared directly, in constant time for a header of the same length.
  const expected = Buffer.from(`Basic ${Buffer.from(expectedText, "utf8").toString("base64")}`);
  const expectedDigest = digest(expectedText);
  return (header) => {
    if (typeof header === "string" && header.length === expected.length) {
      const given = Buffer.from(header, "latin1");
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    }
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
    // Any other form (spacing, case, base64 padding): decoded and compared as SHA-256 digests, equal in
    // length whatever was sent.
    const given = Buffer.from(value.slice(space + 1).trim(), "base64").toString("utf8");
    if (!timingSafeEqual(digest(given), expectedDigest)) {
      throw new SiglumeWebhookError(
        "ADYEN_BASIC_AUTH_MISMATCH",
        "The Basic authentication username or password does not match this app's. Check both in the Customer Area " +
          "(Developers › Webhooks › Authentication) and in this app's configuration.",
        { status: 401, headers: CHALLENGE },
      );
    }
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
