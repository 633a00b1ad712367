// The web platform (Deno, Cloudflare workerd, Next.js edge, browsers): WebCrypto and Uint8Array, no node:*.
// Per-request crypto goes through crypto.subtle, so it answers with Promises. The synchronous forms, used at
// start-up and by the public signing helpers, use @noble/hashes (audited, dependency-free).
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import type { Deadlines, HashInput, PublicKey, SecretKey, Watched } from "./contract.js";
import { timerDelay } from "./timers.js";


/** Which implementation `#platform` resolved to. */
export const platformName = "web" as "node" | "web";

interface WebSecretKey extends SecretKey {
  readonly bytes: Uint8Array;
  /** Imported on first use (never at module scope, where workerd allows no such work), then reused. */
  imported?: Promise<CryptoKey>;
}
interface WebPublicKey extends PublicKey {
  readonly bytes: Uint8Array;
  imported?: Promise<CryptoKey>;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading byte order mark stays in the text, as Buffer#toString keeps it, so a body reads the same on
// every runtime (JSON.parse refuses it there, as Siglume's reference verifier does).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

const bytesOf = (part: HashInput): Uint8Array => (typeof part === "string" ? encoder.encode(part) : part);

/** The parts as one buffer (WebCrypto takes a single one). */
function concat(parts: readonly HashInput[]): Uint8Array {
  if (parts.length === 1) return bytesOf(parts[0]!);
  const chunks = parts.map(bytesOf);
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** A view WebCrypto accepts whatever buffer type backs it. */
const source = (bytes: Uint8Array): BufferSource => bytes as Uint8Array<ArrayBuffer>;

export function secretKey(bytes: Uint8Array): SecretKey {
  return { kind: "hmac-sha256", bytes: bytes.slice() } as WebSecretKey;
}

function importHmac(key: WebSecretKey): Promise<CryptoKey> {
  if (key.imported === undefined) {
    key.imported = crypto.subtle.importKey("raw", source(key.bytes), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    // A failed import is tried again by the next request, not cached.
    key.imported.catch(() => (key.imported = undefined));
  }
  return key.imported;
}

/** HMAC-SHA256 over the parts in order, through crypto.subtle. */
export async function hmac(key: SecretKey, parts: readonly HashInput[]): Promise<Uint8Array> {
  const cryptoKey = await importHmac(key as WebSecretKey);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, source(concat(parts))));
}

export function hmacSync(key: SecretKey, parts: readonly HashInput[]): Uint8Array {
  const mac = nobleHmac.create(nobleSha256, (key as WebSecretKey).bytes);
  for (const part of parts) mac.update(bytesOf(part));
  return mac.digest();
}

/** SHA-256 through crypto.subtle. */
export async function sha256(data: HashInput): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", source(bytesOf(data))));
}

export function sha256Sync(data: HashInput): Uint8Array {
  return nobleSha256(bytesOf(data));
}

/** Constant-time comparison; false at once when the lengths differ (a length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): PublicKey {
  return { kind: "ed25519", bytes: raw.slice() } as WebPublicKey;
}

/** Whether `signature` is `key`'s Ed25519 signature of the parts, concatenated, through crypto.subtle. */
export async function verifyEd25519(key: PublicKey, signature: Uint8Array, parts: readonly HashInput[]): Promise<boolean> {
  const web = key as WebPublicKey;
  if (web.imported === undefined) {
    web.imported = crypto.subtle.importKey("raw", source(web.bytes), { name: "Ed25519" }, false, ["verify"]);
    web.imported.catch(() => (web.imported = undefined));
  }
  return crypto.subtle.verify({ name: "Ed25519" }, await web.imported, source(signature), source(concat(parts)));
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Length in bytes (a string counted as UTF-8). */
export function byteLength(data: HashInput): number {
  if (typeof data !== "string") return data.length;
  // Counted without encoding: this runs for every string body.
  let bytes = data.length;
  for (let i = 0; i < data.length; i++) {
    const unit = data.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < data.length && (data.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE[45] = 62; // "-" (base64url)
DECODE[95] = 63; // "_" (base64url)

export function toBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : "=") + "=";
  }
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes base64 or base64url leniently, as Node's Buffer does: characters outside the alphabet are skipped
 * and the first "=" ends the data. Callers check the length they need.
 */
export function fromBase64(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let length = 0;
  let bits = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 61 /* = */) break;
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) continue;
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[length++] = (bits >> count) & 0xff;
    }
  }
  return out.subarray(0, length);
}

const HEX = "0123456789abcdef";

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return out;
}

const nibble = (code: number): number =>
  code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1;

/** Decodes hex, stopping at the first pair that is not hex (callers check the length they need). */
export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  let length = 0;
  for (let i = 0; i + 1 < text.length; i += 2) {
    const high = nibble(text.charCodeAt(i));
    const low = nibble(text.charCodeAt(i + 1));
    if (high < 0 || low < 0) break;
    out[length++] = (high << 4) | low;
  }
  return out.subarray(0, length);
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A timer per deadline: in workerd a timer belongs to the request that set it, so one shared timer across
 * requests is not possible. Timers are only ever set inside a request.
 */
class TimerDeadlines implements Deadlines {
  private readonly timers = new Map<Watched, Timer>();
  private warned = false;

  add(entry: Watched, _period: number): void {
    const existing = this.timers.get(entry);
    if (existing !== undefined) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(entry);
      // As on Node: one entry's failure must not become an uncaught exception.
      try {
        entry.expire();
      } catch (error) {
        if (!this.warned) {
          this.warned = true;
          console.error("[siglume-middleware] a deadline callback threw (only the first is logged):", error);
        }
      }
    }, timerDelay(entry.at));
    this.timers.set(entry, timer);
  }

  delete(entry: Watched): void {
    const timer = this.timers.get(entry);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(entry);
  }
}

export const deadlines: Deadlines = new TimerDeadlines();

/**
 * An optional peer dependency through a dynamic import (a Promise; undefined when it is not there). The
 * specifier is a variable, so bundlers leave it to the runtime: a Worker without it simply has none.
 */
export function loadOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier).catch(() => undefined);
}
