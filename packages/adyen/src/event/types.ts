/** Adyen's two authentication webhook types. */
export const RELAYED_AUTHENTICATION = "balancePlatform.authentication.relayed";
/** The type of Adyen's authentication outcome notification, handled by `onAuthenticationResult`. */
export const AUTHENTICATION_CREATED = "balancePlatform.authentication.created";

/** An enum Adyen may extend: the known values, or any other string (never rejected). */
type Open<T extends string> = T | (string & {});

/** Which Adyen environment sent the webhook: `"test"` or `"live"` (other values passed through). */
export type AdyenEnvironment = Open<"test" | "live">;

/** An amount as Adyen sends it. */
export interface AdyenAmount {
  /** ISO 4217 currency code. */
  currency: string;
  /** Minor units. */
  value: number;
  [field: string]: unknown;
}

/** The purchase a cardholder is authenticating: when, at which merchant, for how much. */
export interface AdyenPurchase {
  /** When the purchase was made, as Adyen sends it. */
  date: string;
  /** The merchant the cardholder is paying. */
  merchantName: string;
  /** The purchase amount in its original currency. */
  originalAmount: AdyenAmount;
  [field: string]: unknown;
}

/**
 * `balancePlatform.authentication.relayed`: Adyen asks the platform to
 * authenticate a cardholder out of band and waits at most 2 s for the decision.
 * Older payloads carry no `type`.
 */
export interface RelayedAuthenticationRequest {
  /** The challenge's id: the idempotency key. */
  id: string;
  /** The card (payment instrument) being authenticated. */
  paymentInstrumentId: string;
  /** What the cardholder is paying for. */
  purchase: AdyenPurchase;
  /** `test` or `live`. */
  environment?: AdyenEnvironment;
  /** When Adyen sent it, as Adyen formats it. */
  timestamp?: string;
  /** The merchant app's URL to return to after an out-of-band challenge, when sent. */
  threeDSRequestorAppURL?: string;
  /** `balancePlatform.authentication.relayed` (absent in older payloads). */
  type?: typeof RELAYED_AUTHENTICATION;
  [field: string]: unknown;
}

/**
 * The answer to a relayed authentication: `"proceed"` lets the cardholder go on to the challenge, `"refused"`
 * declines it.
 */
export type AuthenticationDecision = "proceed" | "refused";

/** How the 3-D Secure challenge ran (flow, last interaction, resends and retries), as Adyen reports it. */
export interface AdyenChallengeInfo {
  /** The challenge flow: a password and OTP by phone or by email, or an out-of-band approval (`OOB_TRIGGER_FL`). */
  flow?: Open<"PWD_OTP_PHONE_FL" | "PWD_OTP_EMAIL_FL" | "OOB_TRIGGER_FL">;
  /** When the cardholder last interacted with the challenge. */
  lastInteraction?: string;
  /** The phone number the OTP went to, as Adyen sends it: personal data, keep it out of logs. */
  phoneNumber?: string;
  /** How many times the OTP was resent. */
  resends?: number;
  /** How many times the cardholder retried, as Adyen counts them. */
  retries?: number;
  /** The EMV 3-D Secure challenge cancellation indicator, when the challenge was cancelled. */
  challengeCancel?: string;
  [field: string]: unknown;
}

/**
 * The 3-D Secure details of an authentication (transaction ids, `transStatus`, challenge or frictionless), as Adyen
 * reports them.
 */
export interface AdyenAuthenticationInfo {
  /** The access control server's transaction id. */
  acsTransId?: string;
  /** The directory server's transaction id. */
  dsTransID?: string;
  /** The 3-D Secure server's transaction id. */
  threeDSServerTransID?: string;
  /**
   * The EMV 3-D Secure outcome: `Y` authenticated, `N` not authenticated, `R` rejected, `I` informational only, `U`
   * could not be performed.
   */
  transStatus?: Open<"Y" | "N" | "R" | "I" | "U">;
  /** The EMV 3-D Secure reason code for a `transStatus` other than `Y`. */
  transStatusReason?: string;
  /** Whether the cardholder was challenged or it passed frictionless. */
  type?: Open<"frictionless" | "challenge">;
  /** How the challenge ran; null or absent when there was none. */
  challenge?: AdyenChallengeInfo | null;
  /** The 3-D Secure requestor's challenge preference, as sent. */
  challengeIndicator?: string;
  /** When the authentication was created. */
  createdAt?: string;
  /** Where the authentication ran: in an app, in a browser, or initiated by the requestor. */
  deviceChannel?: Open<"app" | "browser" | "ThreeDSRequestorInitiated">;
  /** The exemption claimed, if any (e.g. low value). */
  exemptionIndicator?: string;
  /** `payment` or `nonPayment` authentication. */
  messageCategory?: Open<"payment" | "nonPayment">;
  /** The EMV 3-D Secure protocol version, e.g. `2.2.0`. */
  messageVersion?: string;
  /** Adyen's risk score of the authentication. */
  riskScore?: number;
  /** Whether the transaction falls under PSD2 strong customer authentication. */
  inPSD2Scope?: boolean;
  [field: string]: unknown;
}

/**
 * The `data` of an authentication outcome notification: the authentication's id (the idempotency key), its status and
 * details.
 */
export interface AuthenticationNotificationData {
  /** The authentication's id: the idempotency key. */
  id: string;
  /** The card (payment instrument) that was authenticated. */
  paymentInstrumentId?: string;
  /** The outcome: `authenticated`, `rejected` or `error`. */
  status?: Open<"authenticated" | "rejected" | "error">;
  /** The 3-D Secure details. */
  authentication?: AdyenAuthenticationInfo;
  /** What the cardholder was paying for. */
  purchase?: AdyenPurchase;
  /** The balance platform the card belongs to. */
  balancePlatform?: string;
  [field: string]: unknown;
}

/** `balancePlatform.authentication.created`: the outcome, sent when authentication finished, failed or expired. */
export interface AuthenticationNotification {
  /** Always `balancePlatform.authentication.created`. */
  type: typeof AUTHENTICATION_CREATED;
  /** `test` or `live`. */
  environment?: AdyenEnvironment;
  /** When Adyen sent it, as Adyen formats it. */
  timestamp?: string;
  /** The authentication's outcome and details. */
  data: AuthenticationNotificationData;
  [field: string]: unknown;
}

/** Any other webhook that reached this endpoint, as sent. */
export interface AdyenOtherWebhook {
  /** Its type, when it has one. */
  type?: string;
  [field: string]: unknown;
}
