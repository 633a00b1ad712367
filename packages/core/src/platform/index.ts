// The one place that imports "#platform" (package.json "imports": node:crypto under the "node" condition,
// WebCrypto under workerd/edge-light/worker/browser/deno and by default). Everything else imports from here,
// typed by the contract, so the published types never name "#platform".
import * as selected from "#platform";
import type { Platform } from "./contract.js";

export type * from "./contract.js";

export const {
  /** Which runtime seam this build runs on: `"node"` (node:crypto) or `"web"` (WebCrypto: Bun, Deno, workerd, edge, browsers). */
  platformName,
  /** An HMAC-SHA256 key from its bytes, prepared once (at start-up or in handler options) and reused for every request. */
  secretKey,
  /** HMAC-SHA256 over `parts` in order: synchronous on Node, a Promise through WebCrypto; callers handle both. */
  hmac,
  /** HMAC-SHA256, synchronously on every runtime: for start-up derivations and the signing helpers of tests and the CLI. */
  hmacSync,
  /** SHA-256 of bytes or UTF-8 text: synchronous on Node, a Promise through WebCrypto. */
  sha256,
  /** SHA-256 of bytes or UTF-8 text, synchronously on every runtime. */
  sha256Sync,
  /** Constant-time comparison of two byte arrays (signatures, digests); false at once when the lengths differ. */
  equalBytes,
  /** An Ed25519 public key from its 32 raw bytes, prepared once for {@link verifyEd25519}. */
  ed25519PublicKey,
  /** Whether `signature` is the key's Ed25519 signature of `parts` concatenated (synchronous on Node, a Promise elsewhere). */
  verifyEd25519,
  /** UTF-8 bytes to text. */
  utf8Decode,
  /** Text to UTF-8 bytes. */
  utf8Encode,
  /** Length in bytes of bytes or of text counted as UTF-8 (what a body limit compares). */
  byteLength,
  /** Standard base64 with padding. */
  toBase64,
  /** base64url without padding. */
  toBase64Url,
  /** Decodes base64 or base64url leniently, as Node's Buffer does: other characters are skipped and `=` ends the input. */
  fromBase64,
  /** Lower-case hex of bytes. */
  toHex,
  /** Decodes hex, stopping at the first pair that is not hex. */
  fromHex,
  /** Where deadlines (body reads, handler timeouts, lease renewals) are kept: one shared watchdog timer on Node. */
  deadlines,
  /** Loads an optional peer dependency (e.g. `@opentelemetry/api`) as the app installed it; undefined when absent. */
  loadOptional,
}: Platform = selected;
