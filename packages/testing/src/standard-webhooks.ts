import { createHmac, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from "node:crypto";
import { bodyBytes } from "./body.js";

/** A delivery as a Standard Webhooks sender makes it: the exact bytes and its three headers. */
export interface StandardWebhookRequest {
  /** The exact bytes that were signed. */
  body: Buffer;
  /** The same bytes as text, for supertest's .send() and fetch. */
  text: string;
  /** The webhook-id it carries. */
  id: string;
  /** The webhook-timestamp it carries, unix seconds. */
  timestamp: number;
  /** `content-type` and `webhook-id`, `webhook-timestamp`, `webhook-signature` (or the `svix-` names). */
  headers: Record<string, string>;
}

/**
 * Options of `standardWebhookRequest`: the secret(s) and/or Ed25519 key that sign it, the message id (keep it for a
 * redelivery), the timestamp and the content type.
 */
export interface StandardWebhookRequestOptions {
  /** The whsec_… secret (or bare base64); several sign one v1 entry each, as during a sender's rotation. */
  secret?: string | readonly string[] | undefined;
  /** An ed25519 signing key (`whsk_` + base64 of its 32-byte seed, or a KeyObject): adds a v1a entry. */
  privateKey?: string | KeyObject | undefined;
  /** The event's id; default a fresh `msg_…`. A redelivery keeps it. */
  id?: string | undefined;
  /** Unix seconds; default now. A redelivery is signed with a new one. */
  timestamp?: number | undefined;
  /** `svix` sends svix-id, svix-timestamp and svix-signature (Svix, Clerk, Resend); default the spec's webhook-*. */
  headers?: "webhook" | "svix" | undefined;
}

const PKCS8_ED25519_SEED = Buffer.from("302e020100300506032b657004220420", "hex");

const secretBytes = (secret: string) => Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");

function signingKey(privateKey: string | KeyObject): KeyObject {
  if (typeof privateKey !== "string") return privateKey;
  const seed = Buffer.from(privateKey.startsWith("whsk_") ? privateKey.slice("whsk_".length) : privateKey, "base64");
  if (seed.length !== 32) throw new TypeError("standardWebhookRequest: privateKey must be whsk_ followed by the base64 of a 32-byte ed25519 seed.");
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_SEED, seed]), format: "der", type: "pkcs8" });
}

/**
 * Serialises a payload (strings and bytes are sent as they are) and signs it as a Standard Webhooks sender does:
 * `v1,<base64 HMAC-SHA256>` of `${id}.${timestamp}.${body}` keyed with the bytes after `whsec_`, one entry per
 * secret, plus a `v1a,<base64 ed25519>` entry with `privateKey`; entries space-separated.
 */
export function standardWebhookRequest(payload: object | string | Uint8Array, options: StandardWebhookRequestOptions): StandardWebhookRequest {
  const secrets = options.secret === undefined ? [] : typeof options.secret === "string" ? [options.secret] : [...options.secret];
  if (secrets.length === 0 && options.privateKey === undefined) throw new TypeError("standardWebhookRequest: pass secret (whsec_…) or privateKey (whsk_…).");
  const body = bodyBytes(payload);
  const id = options.id ?? `msg_${randomUUID().replaceAll("-", "").slice(0, 27)}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const entries = secrets.map((secret) => `v1,${createHmac("sha256", secretBytes(secret)).update(signed).digest("base64")}`);
  if (options.privateKey !== undefined) entries.push(`v1a,${sign(null, signed, signingKey(options.privateKey)).toString("base64")}`);
  const prefix = options.headers === "svix" ? "svix" : "webhook";
  return {
    body,
    text: body.toString("utf8"),
    id,
    timestamp,
    headers: {
      "content-type": "application/json",
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(timestamp),
      [`${prefix}-signature`]: entries.join(" "),
    },
  };
}

/** A fresh `whsec_` secret (24 random bytes, as the spec asks at least), for tests. */
export function standardWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** A fresh ed25519 key pair in the spec's serialisation: `whsk_` (the sender's) and `whpk_` (the receiver's). */
export function standardWebhookKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_ED25519_SEED.length);
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { privateKey: `whsk_${seed.toString("base64")}`, publicKey: `whpk_${raw.toString("base64")}` };
}

/** A Standard Webhooks payload as the spec recommends (`type`, `timestamp`, `data`); overrides are merged over it. */
export function standardWebhookEvent(overrides: Record<string, unknown> = {}) {
  return {
    type: "test.event",
    timestamp: new Date().toISOString(),
    data: { id: `obj_${randomUUID().replaceAll("-", "").slice(0, 20)}`, message: "Hello from @siglume-middleware/testing" },
    ...overrides,
  };
}
