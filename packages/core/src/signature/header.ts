import { fromHex } from "../platform/index.js";
import { SiglumeWebhookError } from "../errors.js";
import { isDigits } from "../event/text.js";

/** The header Siglume signs with: `siglume-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = "siglume-signature";

/** A parsed `siglume-signature` header: its timestamp and every well-formed `v1` digest. */
export interface ParsedSignatureHeader {
  /** Unix seconds from `t=`. */
  timestamp: number;
  /** Every well-formed `v1=` digest, decoded to 32 bytes (several during secret rotation). */
  signatures: Uint8Array[];
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * What Siglume sends today, `t=<digits>,v1=<64 hex>`, read without allocating
 * on the way (this runs on every delivery). Anything else takes the general path.
 */
function parseCanonical(header: string): ParsedSignatureHeader | undefined {
  const comma = header.length - 68; // ",v1=" + 64 hex digits
  if (comma < 3 || comma > 17 || header.charCodeAt(0) !== 116 /* t */ || header.charCodeAt(1) !== 61 /* = */) {
    return undefined;
  }
  if (!header.startsWith(",v1=", comma)) return undefined;
  let timestamp = 0;
  for (let i = 2; i < comma; i++) {
    const code = header.charCodeAt(i);
    if (!isDigit(code)) return undefined;
    timestamp = timestamp * 10 + (code - 48);
  }
  // fromHex stops at the first non-hex character, so 32 bytes means all 64 were hex.
  const digest = fromHex(header.slice(comma + 4));
  return digest.length === 32 ? { timestamp, signatures: [digest] } : undefined;
}
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

function malformed(detail: string): SiglumeWebhookError {
  return new SiglumeWebhookError(
    "SIGNATURE_HEADER_MALFORMED",
    `Siglume-Signature header is malformed: ${detail}. Expected "t=<unix seconds>,v1=<64 hex chars>"; ` +
      "forward the header unchanged (a proxy may have rewritten it).",
  );
}

/**
 * Parses `t=…,v1=…`: parts in any order, spaces around parts ignored, unknown
 * keys (future schemes) ignored, several `v1` allowed for secret rotation.
 */
export function parseSignatureHeader(header: string | string[] | undefined | null): ParsedSignatureHeader {
  if (typeof header === "string") {
    const canonical = parseCanonical(header);
    if (canonical) return canonical;
  }
  if (Array.isArray(header)) header = header.join(",");
  if (header == null || header.trim() === "") {
    throw new SiglumeWebhookError(
      "SIGNATURE_HEADER_MISSING",
      "No Siglume-Signature header on the request. Only Siglume's signed deliveries are accepted; " +
        "if one arrived without it, a proxy in front of this app is stripping the header.",
    );
  }

  let timestamp: number | undefined;
  const signatures: Uint8Array[] = [];
  let sawV1 = false;

  // Messages describe the header's shape, never echo its text: an answer carries nothing the client sent.
  for (const [index, rawPart] of header.split(",").entries()) {
    const part = rawPart.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw malformed(`comma-separated part ${index + 1} is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (!isDigits(value)) throw malformed(`t must be whole unix seconds (1–15 digits, got ${value.length} characters)`);
      const t = Number(value);
      if (timestamp !== undefined && timestamp !== t) throw malformed("it carries two different t values");
      timestamp = t;
    } else if (key === "v1") {
      sawV1 = true;
      // A v1 that is not a 64-hex digest can never match; keep looking at the others.
      if (HEX_DIGEST.test(value)) signatures.push(fromHex(value));
    }
  }

  if (timestamp === undefined) throw malformed("no t= timestamp");
  if (!sawV1) throw malformed("no v1= signature");
  if (signatures.length === 0) throw malformed("no v1= value is a 64-character hex HMAC-SHA256 digest");
  return { timestamp, signatures };
}
