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
  currency: string;
  /** Minor units. */
  value: number;
  [field: string]: unknown;
}

/** The purchase a cardholder is authenticating: when, at which merchant, for how much. */
export interface AdyenPurchase {
  date: string;
  merchantName: string;
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
  paymentInstrumentId: string;
  purchase: AdyenPurchase;
  environment?: AdyenEnvironment;
  timestamp?: string;
  threeDSRequestorAppURL?: string;
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
  flow?: Open<"PWD_OTP_PHONE_FL" | "PWD_OTP_EMAIL_FL" | "OOB_TRIGGER_FL">;
  lastInteraction?: string;
  phoneNumber?: string;
  resends?: number;
  retries?: number;
  challengeCancel?: string;
  [field: string]: unknown;
}

/**
 * The 3-D Secure details of an authentication (transaction ids, `transStatus`, challenge or frictionless), as Adyen
 * reports them.
 */
export interface AdyenAuthenticationInfo {
  acsTransId?: string;
  dsTransID?: string;
  threeDSServerTransID?: string;
  transStatus?: Open<"Y" | "N" | "R" | "I" | "U">;
  transStatusReason?: string;
  type?: Open<"frictionless" | "challenge">;
  challenge?: AdyenChallengeInfo | null;
  challengeIndicator?: string;
  createdAt?: string;
  deviceChannel?: Open<"app" | "browser" | "ThreeDSRequestorInitiated">;
  exemptionIndicator?: string;
  messageCategory?: Open<"payment" | "nonPayment">;
  messageVersion?: string;
  riskScore?: number;
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
  paymentInstrumentId?: string;
  status?: Open<"authenticated" | "rejected" | "error">;
  authentication?: AdyenAuthenticationInfo;
  purchase?: AdyenPurchase;
  balancePlatform?: string;
  [field: string]: unknown;
}

/** `balancePlatform.authentication.created`: the outcome, sent when authentication finished, failed or expired. */
export interface AuthenticationNotification {
  type: typeof AUTHENTICATION_CREATED;
  environment?: AdyenEnvironment;
  timestamp?: string;
  data: AuthenticationNotificationData;
  [field: string]: unknown;
}

/** Any other webhook that reached this endpoint, as sent. */
export interface AdyenOtherWebhook {
  type?: string;
  [field: string]: unknown;
}
