// The Node platform (also Bun's): node:crypto and Buffer, every operation synchronous.
import { Buffer } from "node:buffer"; // not the global: on Node that is a getter, run at every mention
import * as crypto from "node:crypto";
import { createRequire } from "node:module";

// Taken once: a CommonJS build reads a namespace's members through getters, on every call.
const { createHash, createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify } = crypto;
import { Watchdog } from "./watchdog.js";
import type { Deadlines, HashInput, PublicKey, SecretKey } from "./contract.js";


/** Which implementation `#platform` resolved to. */
export const platformName = "node" as "node" | "web";

interface NodeSecretKey extends SecretKey {
  readonly key: crypto.KeyObject;
}
interface NodePublicKey extends PublicKey {
  readonly key: crypto.KeyObject;
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function secretKey(bytes: Uint8Array): SecretKey {
  return { kind: "hmac-sha256", key: createSecretKey(asBuffer(bytes)) } as NodeSecretKey;
}

// Digests are taken as latin1 text ("binary" is Node's other name for it) and copied into a pooled Buffer: on
// Node 20 a digest returned as a Buffer gets a fresh externally-backed ArrayBuffer, about 1.1 µs per call more than
// the text and the copy (both the HMAC checked on every delivery and the body digest pay it). Same 32 bytes.
const pooled = (latin1: string): Buffer => Buffer.from(latin1, "binary");

export function hmacSync(key: SecretKey, parts: readonly HashInput[]): Uint8Array {
  const mac = createHmac("sha256", (key as NodeSecretKey).key);
  for (const part of parts) mac.update(part);
  return pooled(mac.digest("binary"));
}

/** HMAC-SHA256 over the parts in order. Synchronous here. */
export const hmac: (key: SecretKey, parts: readonly HashInput[]) => Uint8Array | Promise<Uint8Array> = hmacSync;

// One-shot hashing (Node ≥ 20.12) skips the Hash object: it runs for every delivery.
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: HashInput, encoding: "binary") => string }).hash;

export function sha256Sync(data: HashInput): Uint8Array {
  return pooled(oneShot !== undefined ? oneShot("sha256", data, "binary") : createHash("sha256").update(data).digest("binary"));
}

/** SHA-256. Synchronous here. */
export const sha256: (data: HashInput) => Uint8Array | Promise<Uint8Array> = sha256Sync;

/** Constant-time comparison; false at once when the lengths differ (a length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32-byte key follows.
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): PublicKey {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: "der", type: "spki" });
  return { kind: "ed25519", key } as NodePublicKey;
}

/** Whether `signature` is `key`'s Ed25519 signature of the parts, concatenated. */
export function verifyEd25519(key: PublicKey, signature: Uint8Array, parts: readonly HashInput[]): boolean | Promise<boolean> {
  const data = Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : asBuffer(part))));
  return verify(null, data, (key as NodePublicKey).key, signature);
}

export function utf8Decode(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("utf8");
}

export function utf8Encode(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}

/** Length in bytes (a string counted as UTF-8). */
export function byteLength(data: HashInput): number {
  return typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
}

export function toBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("base64");
}

export function toBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("base64url");
}

/**
 * Decodes base64 or base64url leniently, as Node does: whitespace is skipped and decoding stops at the first
 * character outside the alphabet. Callers check the length they need.
 */
export function fromBase64(text: string): Uint8Array {
  return Buffer.from(text, "base64");
}

export function toHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("hex");
}

/** Decodes hex, stopping at the first pair that is not hex (callers check the length they need). */
export function fromHex(text: string): Uint8Array {
  return Buffer.from(text, "hex");
}

/** One shared timer for every deadline in flight (a Set entry per request instead of a timer each). */
export const deadlines: Deadlines = new Watchdog();

// Resolved from this package, as Node resolves its peers: the app's own copy.
const requireHere = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

/** An optional peer dependency, loaded at once; undefined when it is not installed. */
export function loadOptional(specifier: string): unknown {
  try {
    return requireHere(specifier);
  } catch {
    return undefined;
  }
}
