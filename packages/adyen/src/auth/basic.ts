import { SiglumeWebhookError, equalBytes, fromBase64, sha256Sync, toBase64, utf8Decode, utf8Encode } from "@siglume-middleware/core";

/**
 * The Basic authentication user name and password configured on the Adyen webhook in the Customer Area. A request
 * without them, or with others, is answered `401` with a `WWW-Authenticate` challenge before the body is read.
 */
export interface BasicAuthCredentials {
  /** The user name configured on the webhook. */
  username: string;
  /** The password configured on the webhook (compared in constant time; never logged). */
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
  const expected = utf8Encode(`Basic ${toBase64(utf8Encode(expectedText))}`);
  const expectedDigest = sha256Sync(expectedText);
  // The header's bytes go here (reused: the check is synchronous), compared only at the expected length.
  const received = new Uint8Array(expected.length);
  return (header) => {
    if (typeof header === "string" && header.length === expected.length && equalBytes(latin1(header, received), expected)) return;
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
    const given = utf8Decode(fromBase64(value.slice(space + 1).trim()));
    if (!equalBytes(sha256Sync(given), expectedDigest)) {
      throw new SiglumeWebhookError(
        "ADYEN_BASIC_AUTH_MISMATCH",
        "The Basic authentication username or password does not match this app's. Check both in the Customer Area " +
          "(Developers › Webhooks › Authentication) and in this app's configuration.",
        { status: 401, headers: CHALLENGE },
      );
    }
  };
}

/** The header's characters as bytes in `bytes` (each code unit's low byte, as Node's "latin1"), of the same length. */
function latin1(text: string, bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
