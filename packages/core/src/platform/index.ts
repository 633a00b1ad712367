// The one place that imports "#platform" (package.json "imports": node:crypto under the "node" condition,
// WebCrypto under workerd/edge-light/worker/browser/deno and by default). Everything else imports from here,
// typed by the contract, so the published types never name "#platform".
import * as selected from "#platform";
import type { Platform } from "./contract.js";

export type * from "./contract.js";

export const {
  platformName,
  secretKey,
  hmac,
  hmacSync,
  sha256,
  sha256Sync,
  equalBytes,
  ed25519PublicKey,
  verifyEd25519,
  utf8Decode,
  utf8Encode,
  byteLength,
  toBase64,
  toBase64Url,
  fromBase64,
  toHex,
  fromHex,
  deadlines,
  loadOptional,
}: Platform = selected;
