/** A value ClearTX may extend: the known values, or any other string (never rejected for it). */
type Open<T extends string> = T | (string & {});

/** The five endpoints a service provider exposes to ClearTX, by the last segment of their path. */
export const CLEARTX_ROUTES = ["confirmed", "declined", "rejected", "broadcasted", "confirmed-data"] as const;
/**
 * One of ClearTX's five endpoints, by the last segment of its path (`confirmed`, `declined`, `rejected`,
 * `broadcasted`, `confirmed-data`).
 */
export type ClearTxRouteName = (typeof CLEARTX_ROUTES)[number];

/** The four documented statuses, each posted to its own endpoint. */
export const CLEARTX_STATUSES = ["CONFIRMED", "DECLINED", "REJECTED", "BROADCASTED"] as const;
/** A travel-rule transfer's status in a notification: CONFIRMED, DECLINED, REJECTED or BROADCASTED. */
export type ClearTxStatus = (typeof CLEARTX_STATUSES)[number];

/** The status each of the four documented endpoints receives. */
export const CLEARTX_STATUS_OF_ROUTE = {
  confirmed: "CONFIRMED",
  declined: "DECLINED",
  rejected: "REJECTED",
  broadcasted: "BROADCASTED",
} as const satisfies Record<Exclude<ClearTxRouteName, "confirmed-data">, ClearTxStatus>;

/** `MAIN` carries IVMS.101 personal data (to the beneficiary, at /confirmed-data); `BASIC` does not. */
export type ClearTxProtocol = Open<"MAIN" | "BASIC">;

/** Why a transfer was declined or rejected. */
export type ClearTxReasonCategory = Open<"COMPLIANCE_CHECK_FAILED" | "SANCTIONS_MATCH" | "USER_CANCELLATION" | "SYSTEM_ERROR">;

/** Why a transfer was declined or rejected (category values left open). */
export interface ClearTxReason {
  /** The kind of reason (e.g. `SANCTIONS_MATCH`, `USER_CANCELLATION`). */
  category: ClearTxReasonCategory;
  /** The reason in words, as ClearTX sent it. */
  description: string;
  [field: string]: unknown;
}

/** The on-chain details of a broadcast transfer. */
export interface ClearTxBlockchainInfo {
  /** The on-chain transaction hash. */
  txHash: string;
  /** The originating address. */
  origin: string;
  /** The destination address. */
  destination: string;
  [field: string]: unknown;
}

/** The fields every travel-rule notification carries. */
interface ClearTxNotificationBase {
  /** The transfer's reference (a UUID), unique per transfer: with the endpoint, the idempotency key. */
  transactionRef: string;
  protocol: ClearTxProtocol;
  /** The originator's VASP, a DID such as `did:web:…`. */
  originatorVASPdid: string;
  /** The beneficiary's VASP, a DID. */
  beneficiaryVASPdid: string;
  [field: string]: unknown;
}

/** POST /confirmed, to the originator: the beneficiary accepted the transfer. */
export interface ClearTxConfirmed extends ClearTxNotificationBase {
  /** Always `CONFIRMED` at this endpoint. */
  status: "CONFIRMED";
}

/** POST /declined, to the originator: the beneficiary declined it. */
export interface ClearTxDeclined extends ClearTxNotificationBase {
  /** Always `DECLINED` at this endpoint. */
  status: "DECLINED";
  /** Why the beneficiary declined. */
  reason: ClearTxReason;
}

/** POST /rejected, to the beneficiary: the originator rejected it. */
export interface ClearTxRejected extends ClearTxNotificationBase {
  /** Always `REJECTED` at this endpoint. */
  status: "REJECTED";
  /** Why the originator rejected. */
  reason: ClearTxReason;
}

/** POST /broadcasted, to both: the transfer is on chain. */
export interface ClearTxBroadcasted extends ClearTxNotificationBase {
  /** Always `BROADCASTED` at this endpoint. */
  status: "BROADCASTED";
  /** The transfer's transaction hash and addresses. */
  transactionBlockchainInfo: ClearTxBlockchainInfo;
}

/** What `onNotification` receives: the payload as sent, discriminated on `status`. */
export type ClearTxNotification = ClearTxConfirmed | ClearTxDeclined | ClearTxRejected | ClearTxBroadcasted;

/**
 * POST /confirmed-data, to the beneficiary in the MAIN protocol: the transfer's IVMS.101 personal
 * data. ClearTX has not published this payload: `transactionRef` is required (it keys the event),
 * the other common fields are typed when present, `status` may be any string, and everything else
 * (the IVMS.101 part) is kept as sent, as unknown JSON. Personal data: never log it.
 */
export interface ClearTxConfirmedData {
  /** The transfer's reference (a UUID): with the endpoint, the idempotency key. */
  transactionRef: string;
  /** `MAIN` (carries IVMS.101 personal data) or `BASIC`, when sent. */
  protocol?: ClearTxProtocol;
  /** Its value at this endpoint is not public: any string is accepted. */
  status?: string;
  /** The originator's VASP (a DID), when sent. */
  originatorVASPdid?: string;
  /** The beneficiary's VASP (a DID), when sent. */
  beneficiaryVASPdid?: string;
  [field: string]: unknown;
}

/**
 * Why a verified notification went to `onReview` instead of a handler. It is answered 200 all the
 * same: ClearTX would resend a refused notification, unchanged, for 24 hours.
 */
export type ClearTxReviewReason =
  /** The body is not JSON. */
  | "invalid_json"
  /** The body is not a JSON object, or a field is missing or has the wrong type (`field` names it). */
  | "invalid_payload"
  /** `status` is not the one this endpoint receives (a notification posted to the wrong URL). */
  | "status_mismatch"
  /** This transfer's notification at this endpoint was handled before, with another body. */
  | "transaction_ref_reused"
  /** A /confirmed-data notification with no `onConfirmedData` to take it. */
  | "unhandled_confirmed_data";

/** A verified notification no handler can take, for a person to look at. Holds the payload: don't log it. */
export interface ClearTxReview {
  /** Why no handler took it. */
  reason: ClearTxReviewReason;
  /** Names the field or the mismatch, e.g. `"reason.category" must be a string`. No payload values but `status`. */
  message: string;
  /** The field at fault ("status", "reason.category"), when one is. */
  field?: string | undefined;
  /** The endpoint it arrived at. */
  route: ClearTxRouteName;
  /** The transfer's reference, when the payload has a usable one. */
  transactionRef?: string | undefined;
  /** The parsed body, or undefined when it is not JSON. */
  payload: unknown;
  /** The exact bytes received, as UTF-8 text. */
  rawBody: string;
}
