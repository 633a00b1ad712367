import {
  adyenEvents,
  adyenSignedRequest,
  clearTxRequest,
  EVENT_KINDS,
  pomeloEvents,
  pomeloSignedRequest,
  signedRequest,
  standardWebhookEvent,
  standardWebhookRequest,
} from "@siglume-middleware/testing";
import { CliError } from "./errors.js";
import { loadEvent, requireSecret } from "./input.js";

/** What is POSTed: the exact bytes and their headers. */
export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
}

/** One event to send, signed afresh for every attempt (as a sender's redelivery is). */
export interface Outgoing {
  /** "event evt_… (direct_payment.confirmed)", for the first line of output. */
  label: string;
  sign(): Delivery;
}

type Values = Record<string, string | boolean | undefined>;

function adyenKey(values: Values): string {
  const key = (values["hmac-key"] as string | undefined) ?? process.env.ADYEN_HMAC_KEY;
  if (!key) throw new CliError("no HMAC key: pass --hmac-key HEX or set ADYEN_HMAC_KEY");
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(key)) throw new CliError("--hmac-key must be the hex key from Adyen's Customer Area");
  return key;
}

function basicAuth(values: Values): { username: string; password: string } | undefined {
  const value = (values["basic-auth"] as string | undefined) ?? process.env.ADYEN_BASIC_AUTH;
  if (value === undefined) return undefined;
  const colon = value.indexOf(":");
  if (colon <= 0) throw new CliError("--basic-auth must be user:password");
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Other senders' kinds: each builds a payload and signs it the sender's way. */
const PROVIDER_KINDS: Record<string, (values: Values, url: URL) => Outgoing> = {
  "adyen-relayed": (values) => adyen(adyenEvents.relayed(), values),
  "adyen-result": (values) => adyen(adyenEvents.authenticationCreated(), values),
  "pomelo-otp": (values, url) => pomelo(pomeloEvents.otp(), values, url),
  "pomelo-token": (values, url) => pomelo(pomeloEvents.tokenUpdated(), values, url),
  "cleartx-confirmed": () => clearTx("confirmed"),
  "cleartx-declined": () => clearTx("declined"),
  "cleartx-rejected": () => clearTx("rejected"),
  "cleartx-broadcasted": () => clearTx("broadcasted"),
  "cleartx-confirmed-data": () => clearTx("confirmed-data"),
  standard: (values) => standard(values),
};

const STANDARD_SECRET = /^(?:whsec_)?[A-Za-z0-9+/]+={0,2}$/;

/**
 * A Standard Webhooks event (`type`, `timestamp`, `data`), signed `v1` with --secret (else STANDARD_WEBHOOK_SECRET);
 * every attempt keeps its webhook-id and is signed afresh with a new timestamp, as a sender's redelivery is.
 */
function standard(values: Values): Outgoing {
  const secret = (values.secret as string | undefined) ?? process.env.STANDARD_WEBHOOK_SECRET;
  if (!secret) throw new CliError("no secret: pass --secret whsec_… (the receiver's signing secret) or set STANDARD_WEBHOOK_SECRET");
  if (!STANDARD_SECRET.test(secret)) throw new CliError("--secret must be a Standard Webhooks secret: whsec_ followed by base64 (or the base64 alone)");
  const payload = standardWebhookEvent();
  const headers = values.svix === true ? "svix" : "webhook";
  const first = standardWebhookRequest(payload, { secret, headers });
  return {
    label: `Standard Webhooks ${payload.type} ${first.id}${headers === "svix" ? " (svix-* headers)" : ""}`,
    sign: () => standardWebhookRequest(first.text, { secret, headers, id: first.id }),
  };
}

function pomelo(payload: Record<string, unknown>, values: Values, url: URL): Outgoing {
  const apiKey = (values["api-key"] as string | undefined) ?? process.env.POMELO_API_KEY;
  const apiSecret = (values["api-secret"] as string | undefined) ?? process.env.POMELO_API_SECRET;
  if (!apiKey || !apiSecret) throw new CliError("no Pomelo api key: pass --api-key K --api-secret BASE64 (or set POMELO_API_KEY and POMELO_API_SECRET)");
  // As the receiver checks it: a secret that is not base64 would be decoded leniently into another key, and every
  // delivery signed with it refused.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(apiSecret)) throw new CliError("--api-secret must be the base64 api secret exactly as Pomelo shows it");
  // Pomelo signs the path it posts to; --endpoint when a proxy in between rewrites it.
  const endpoint = (values.endpoint as string | undefined) ?? url.pathname;
  return {
    label: `Pomelo ${payload.otp === undefined ? "token event" : "OTP"} ${payload.event_id as string}`,
    sign: () => pomeloSignedRequest(payload, { apiKey, apiSecret, endpoint }),
  };
}

function adyen(payload: Record<string, unknown>, values: Values): Outgoing {
  const hmacKey = adyenKey(values);
  const auth = basicAuth(values);
  const id = (payload.id ?? (payload.data as { id?: string }).id) as string;
  return {
    label: `Adyen ${payload.type} ${id}`,
    sign: () => adyenSignedRequest(payload, { hmacKey, basicAuth: auth }),
  };
}

/**
 * A ClearTX notification for one endpoint. ClearTX's signing scheme is not public, so nothing is signed
 * here: pass what your verifier checks with --header.
 */
function clearTx(route: Parameters<typeof clearTxRequest>[0]): Outgoing {
  const { body, headers, text } = clearTxRequest(route);
  return {
    label: `ClearTX ${route} ${(JSON.parse(text) as { transactionRef: string }).transactionRef}`,
    sign: () => ({ body, headers }),
  };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** `--header name:value`, repeatable: added to every attempt (e.g. what a receiver's own verifier checks). */
function extraHeaders(values: Values): Record<string, string> {
  // parseArgs gives an array for an option declared `multiple`.
  const given = (values as Record<string, unknown>).header as string | string[] | undefined;
  const headers: Record<string, string> = {};
  for (const entry of given === undefined ? [] : [given].flat()) {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    if (colon <= 0 || !HEADER_NAME.test(name)) throw new CliError("--header must be name:value with a valid header name, e.g. --header x-api-key:abc");
    headers[name] = entry.slice(colon + 1).trim();
  }
  return headers;
}

/** The options `outgoing()` reads, shared by the commands that send deliveries (send, deliver). */
export const DELIVERY_OPTIONS = {
  url: { type: "string" },
  secret: { type: "string" },
  "hmac-key": { type: "string" },
  "basic-auth": { type: "string" },
  "api-key": { type: "string" },
  "api-secret": { type: "string" },
  endpoint: { type: "string" },
  svix: { type: "boolean" },
  header: { type: "string", multiple: true },
} as const;

export const ALL_KINDS = [...Object.keys(EVENT_KINDS), ...Object.keys(PROVIDER_KINDS)];

/** A Siglume kind or event file (signed with the Siglume secret), or another sender's kind; plus any --header. */
export function outgoing(source: string | undefined, values: Values, url: URL): Outgoing {
  const extra = extraHeaders(values);
  const event = outgoingEvent(source, values, url);
  if (Object.keys(extra).length === 0) return event;
  return {
    label: event.label,
    sign: () => {
      const delivery = event.sign();
      return { body: delivery.body, headers: { ...delivery.headers, ...extra } };
    },
  };
}

function outgoingEvent(source: string | undefined, values: Values, url: URL): Outgoing {
  const provider = source === undefined ? undefined : PROVIDER_KINDS[source];
  if (provider) return provider(values, url);
  const event = loadEvent(source);
  const secret = requireSecret(values.secret as string | undefined);
  const timestamp = values.timestamp === undefined ? undefined : Number(values.timestamp);
  if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) throw new CliError("--timestamp must be unix seconds");
  return { label: `event ${event.id} (${event.type})`, sign: () => signedRequest(event, { secret, timestamp }) };
}
