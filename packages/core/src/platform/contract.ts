/**
 * What the engine and the providers need from the runtime, implemented twice:
 * `node.ts` (node:crypto and Buffer: synchronous, as fast as Node gets) and
 * `web.ts` (WebCrypto and plain Uint8Arrays: Bun, Deno, Cloudflare workerd,
 * Next.js edge, browsers). The package's `imports` map (`#platform`) picks one
 * by the runtime's export conditions; both export exactly these names.
 *
 * Per-request crypto (`hmac`, `sha256`, `verifyEd25519`) may answer with a
 * Promise (WebCrypto is asynchronous) and callers handle both; the `…Sync`
 * forms serve start-up work and the public synchronous helpers (signing for
 * tests, key check values) and are always synchronous.
 */

/** Bytes or text (encoded as UTF-8) fed to a hash. */
export type HashInput = Uint8Array | string;

/** A value now, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** An HMAC-SHA256 key prepared once (a KeyObject on Node, a lazily imported CryptoKey elsewhere). */
export interface SecretKey {
  /** Always `"hmac-sha256"`; the key material stays inside the platform's key object. */
  readonly kind: "hmac-sha256";
}

/** An Ed25519 public key prepared once. */
export interface PublicKey {
  /** Always `"ed25519"`. */
  readonly kind: "ed25519";
}

/**
 * Something a deadline watches: `expire()` runs at `at` (on `monotonicNow()`'s
 * clock) unless it is deleted first.
 */
export interface Watched {
  /** When it expires, in milliseconds on `monotonicNow()`'s clock. */
  at: number;
  /** Called once when `at` has passed and the entry is still watched. */
  expire(): void;
  /**
   * The deadlines' own bookkeeping (Node: the entry's place among those watched). Start it `undefined` (declaring
   * it keeps the entry's shape fixed) and leave it to the deadlines; an entry is watched by one `Deadlines` at a
   * time.
   */
  watchSlot?: number | undefined;
}

/** Where deadlines are kept: one shared timer on Node, a timer per entry where timers belong to a request. */
export interface Deadlines {
  /** Watches `entry` until its `at`; `period` (ms) is the watched span, which sets how often the shared timer ticks. */
  add(entry: Watched, period: number): void;
  /** Stops watching `entry` (its work finished first); deleting an entry not watched does nothing. */
  delete(entry: Watched): void;
}

/** Everything a platform module (`node.ts`, `web.ts`) exports. */
export interface Platform {
  /** Which implementation `#platform` resolved to. */
  readonly platformName: "node" | "web";
  /** An HMAC-SHA256 key from its bytes (made once, at start-up). */
  secretKey(bytes: Uint8Array): SecretKey;
  /** HMAC-SHA256 over the parts in order: synchronous on Node, a Promise through WebCrypto. */
  hmac(key: SecretKey, parts: readonly HashInput[]): MaybePromise<Uint8Array>;
  /** HMAC-SHA256, synchronously on every runtime (start-up derivations, signing helpers). */
  hmacSync(key: SecretKey, parts: readonly HashInput[]): Uint8Array;
  /** SHA-256: synchronous on Node, a Promise through WebCrypto. */
  sha256(data: HashInput): MaybePromise<Uint8Array>;
  /** SHA-256, synchronously on every runtime. */
  sha256Sync(data: HashInput): Uint8Array;
  /** Constant-time comparison; false at once when the lengths differ (a length is not secret). */
  equalBytes(a: Uint8Array, b: Uint8Array): boolean;
  /** An Ed25519 public key from its 32 raw bytes. */
  ed25519PublicKey(raw: Uint8Array): PublicKey;
  /** Whether `signature` is the key's Ed25519 signature of the parts, concatenated. */
  verifyEd25519(key: PublicKey, signature: Uint8Array, parts: readonly HashInput[]): MaybePromise<boolean>;
  /** UTF-8 bytes to text. */
  utf8Decode(bytes: Uint8Array): string;
  /** Text to UTF-8 bytes. */
  utf8Encode(text: string): Uint8Array;
  /** Length in bytes (a string counted as UTF-8). */
  byteLength(data: HashInput): number;
  /** Standard base64 with padding. */
  toBase64(bytes: Uint8Array): string;
  /** base64url without padding. */
  toBase64Url(bytes: Uint8Array): string;
  /** Decodes base64 or base64url leniently (as Node's Buffer): other characters skipped, "=" ends it. */
  fromBase64(text: string): Uint8Array;
  /** Lower-case hex. */
  toHex(bytes: Uint8Array): string;
  /** Decodes hex, stopping at the first pair that is not hex. */
  fromHex(text: string): Uint8Array;
  /** Where deadlines (body reads, handler timeouts, lease renewals) are kept. */
  readonly deadlines: Deadlines;
  /**
   * An optional peer dependency (e.g. @opentelemetry/api), resolved as the app installed it: at once on Node,
   * through a dynamic import elsewhere; undefined when it is not there.
   */
  loadOptional(specifier: string): unknown;
}
