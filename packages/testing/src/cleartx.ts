import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { merge, type DeepPartial } from "./body.js";
import { bodyBytes } from "./body.js";

type Overrides = DeepPartial<Record<string, unknown>>;

const originator = "did:web:originator.example";
const beneficiary = "did:web:beneficiary.example";
const address = () => `0x${randomBytes(20).toString("hex")}`;

const common = (status: string, protocol = "BASIC") => ({
  transactionRef: randomUUID(),
  protocol,
  status,
  originatorVASPdid: originator,
  beneficiaryVASPdid: beneficiary,
});

/**
 * ClearTX travel-rule notifications with a fresh `transactionRef`, shaped as ClearTX documents them;
 * overrides are merged deeply (a field set to `undefined` is left out of the JSON).
 */
export const clearTxEvents = {
  /** POST /confirmed: the beneficiary accepted the transfer. */
  confirmed(overrides?: Overrides) {
    return merge(common("CONFIRMED"), overrides);
  },
  /** POST /declined: the beneficiary declined it. */
  declined(overrides?: Overrides) {
    return merge(
      { ...common("DECLINED"), reason: { category: "COMPLIANCE_CHECK_FAILED", description: "Beneficiary account could not be matched." } },
      overrides,
    );
  },
  /** POST /rejected: the originator rejected it. */
  rejected(overrides?: Overrides) {
    return merge({ ...common("REJECTED"), reason: { category: "SANCTIONS_MATCH", description: "Originator screening hit." } }, overrides);
  },
  /** POST /broadcasted: the transfer is on chain. */
  broadcasted(overrides?: Overrides) {
    return merge(
      {
        ...common("BROADCASTED"),
        transactionBlockchainInfo: { txHash: `0x${randomBytes(32).toString("hex")}`, origin: address(), destination: address() },
      },
      overrides,
    );
  },
  /**
   * POST /confirmed-data (MAIN protocol). ClearTX has not published this payload: the common fields are
   * as documented elsewhere, `status` and the `ivms101` field holding the IVMS.101 data are stand-ins.
   */
  confirmedData(overrides?: Overrides) {
    const person = (primary: string, secondary: string) => ({
      naturalPerson: { name: { nameIdentifier: [{ primaryIdentifier: primary, secondaryIdentifier: secondary, nameIdentifierType: "LEGL" }] } },
    });
    return merge(
      {
        ...common("CONFIRMED", "MAIN"),
        ivms101: {
          originator: { originatorPersons: [person("Yılmaz", "Ayşe")], accountNumber: [address()] },
          beneficiary: { beneficiaryPersons: [person("Demir", "Mehmet")], accountNumber: [address()] },
        },
      },
      overrides,
    );
  },
};

const BUILDERS = {
  confirmed: clearTxEvents.confirmed,
  declined: clearTxEvents.declined,
  rejected: clearTxEvents.rejected,
  broadcasted: clearTxEvents.broadcasted,
  "confirmed-data": clearTxEvents.confirmedData,
};
const ROUTE_OF_STATUS = { CONFIRMED: "confirmed", DECLINED: "declined", REJECTED: "rejected", BROADCASTED: "broadcasted" } as const;

/** An endpoint ("confirmed", …, "confirmed-data"), or the status posted to it ("CONFIRMED", …). */
export type ClearTxRequestKind = keyof typeof BUILDERS | keyof typeof ROUTE_OF_STATUS;

/** A notification as ClearTX posts it: the exact bytes, their headers and the endpoint's path. */
export interface ClearTxRequest {
  /** The exact bytes sent (and signed, with `sign`). */
  body: Buffer;
  /** The same bytes as text, for supertest's .send() and fetch. */
  text: string;
  /** The headers to send: the content type and whatever `sign` made. */
  headers: Record<string, string> & { "content-type": string };
  /** The endpoint, e.g. "/v1/notify/confirmed". */
  path: string;
}

/**
 * Options of `clearTxRequest`: how to sign the body for your verifier (e.g. `clearTxTestSigner(secret).sign`), where
 * the endpoints are mounted, and the content type.
 */
export interface ClearTxRequestOptions {
  /** Headers your verifier checks, made from the exact bytes (e.g. `clearTxTestSigner(secret).sign`). */
  sign?: ((body: Buffer) => Record<string, string>) | undefined;
  /** Where the endpoints are mounted. Default "/v1/notify". */
  basePath?: string | undefined;
  /** The `content-type` header. Default `application/json`. */
  contentType?: string | undefined;
}

/**
 * Builds a notification for an endpoint: `clearTxRequest("declined")`, with `overrides` merged into
 * the payload (or, as a string or bytes, sent as they are), and the headers `sign` makes from the bytes.
 * ClearTX's signing scheme is not public, so there is no real signature to make: pass a signer that
 * matches your `verify` (clearTxTestSigner is a stand-in for tests).
 */
export function clearTxRequest(
  kind: ClearTxRequestKind,
  overrides?: Overrides | string | Uint8Array,
  options: ClearTxRequestOptions = {},
): ClearTxRequest {
  const route = kind in ROUTE_OF_STATUS ? ROUTE_OF_STATUS[kind as keyof typeof ROUTE_OF_STATUS] : (kind as keyof typeof BUILDERS);
  const build = BUILDERS[route];
  if (build === undefined) throw new TypeError(`clearTxRequest: unknown kind ${JSON.stringify(kind)}.`);
  const body = bodyBytes(typeof overrides === "string" || overrides instanceof Uint8Array ? overrides : build(overrides));
  const headers: ClearTxRequest["headers"] = { "content-type": options.contentType ?? "application/json", ...options.sign?.(body) };
  const base = (options.basePath ?? "/v1/notify").replace(/\/+$/, "");
  return { body, text: body.toString("utf8"), headers, path: `${base}/${route}` };
}

/** The header clearTxTestSigner's stand-in signature travels in. */
export const CLEARTX_TEST_SIGNATURE_HEADER = "x-test-signature";

/**
 * A stand-in for ClearTX's signing, which is not public, for tests only: hex HMAC-SHA256 of the raw
 * body with `secret`, in `x-test-signature`. `sign` goes to clearTxRequest, `verify` to clearTxWebhooks.
 */
export function clearTxTestSigner(secret: string): {
  header: string;
  /** The stand-in signature header of `body`, to pass as `clearTxRequest`'s `sign`. */
  sign(body: Uint8Array | string): Record<string, string>;
  /** A `verify` for `clearTxWebhooks`: whether the stand-in header matches the raw body (constant time). */
  verify(input: { rawBody: Uint8Array; headers: Readonly<Record<string, string | string[] | undefined>> }): boolean;
} {
  if (typeof secret !== "string" || secret === "") throw new TypeError("clearTxTestSigner: secret must be a non-empty string.");
  const mac = (body: Uint8Array | string) => createHmac("sha256", secret).update(body).digest();
  return {
    header: CLEARTX_TEST_SIGNATURE_HEADER,
    sign: (body) => ({ [CLEARTX_TEST_SIGNATURE_HEADER]: mac(body).toString("hex") }),
    verify({ rawBody, headers }) {
      const given = headers[CLEARTX_TEST_SIGNATURE_HEADER];
      if (typeof given !== "string" || !/^[0-9a-f]{64}$/i.test(given)) return false;
      return timingSafeEqual(Buffer.from(given, "hex"), mac(rawBody));
    },
  };
}
