import { toBase64Url } from "@siglume-middleware/core";
import type {
  BeginAttemptResult,
  CheckoutAttempt,
  CheckoutOrder,
  PaymentTarget,
  SiglumeOrderStore,
  StoredCheckoutSession,
} from "./contract.js";
import { PAID_ORDER_STATUSES } from "./contract.js";

/** An order of the in-memory store; `owner` is whatever the app's `owns` check compares. */
export interface MemoryOrder extends CheckoutOrder {
  /** Whoever owns the order, in the form your `owns` check compares (e.g. a user id). */
  owner?: string;
}

interface AttemptRow extends CheckoutAttempt {
  status: "creating" | "pending" | "paid" | "fulfilled_unsettled" | "failed" | "expired";
  merchant: string;
  amount_minor: number;
  currency: string;
  leaseUntil: number;
  /** The creation claim's token while "creating" (see CheckoutAttempt.claim). */
  claim?: string;
  session?: StoredCheckoutSession;
  failureCode?: string;
  payment?: { requirement_id: string; chain_receipt_id: string | null; event_id: string };
}

/**
 * Options of `memoryOrderStore`: an order store in this process's memory, for the demo, tests and a single instance
 * (use `postgresOrderStore` for several).
 */
export interface MemoryOrderStoreOptions<TRequest> {
  /** The ownership check behind `authorize`: does this request's shopper own the order? */
  owns?: (order: MemoryOrder, request: TRequest) => boolean | Promise<boolean>;
  /** Orders to start with. */
  orders?: MemoryOrder[];
}

export interface MemoryOrderStore<TRequest = unknown> extends SiglumeOrderStore<TRequest> {
  /** Adds or replaces an order. */
  put(order: MemoryOrder): void;
  /** The order as stored now, or undefined. */
  get(orderId: string): MemoryOrder | undefined;
  /** Every attempt for an order, oldest first (for tests and the demo). */
  attempts(orderId: string): ReadonlyArray<Readonly<AttemptRow>>;
  /** How many times markPaid actually marked this order paid (1 at most, by design). */
  paidCount(orderId: string): number;
}

/** `bytes` random bytes as base64url (WebCrypto's generator, on every runtime). */
const randomId = (bytes: number): string => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** A new random checkout attempt id (`att_` and 16 random bytes, base64url): what an order store gives each start. */
export const newAttemptId = (): string => `att_${randomId(16)}`;
/** Nonces are per attempt, random, and never contain ':'. */
export const nonceFor = (attemptId: string): string => `sdrp-${attemptId}`;
/** A creation claim's token: new for every claim, so a start taken over cannot write as the one that took over. */
export const newClaim = (): string => randomId(12);

const copy = (order: MemoryOrder): MemoryOrder => ({ ...order });

/**
 * Orders and checkout attempts in this process's memory, for demos and tests. Every step is
 * synchronous inside, so concurrent starts for one order see one active attempt.
 */
export function memoryOrderStore<TRequest = unknown>(
  options: MemoryOrderStoreOptions<TRequest> = {},
): MemoryOrderStore<TRequest> {
  const orders = new Map<string, MemoryOrder>();
  const attemptsByOrder = new Map<string, AttemptRow[]>();
  const attemptsById = new Map<string, AttemptRow>();
  const byChallenge = new Map<string, AttemptRow>();
  const paid = new Map<string, number>();
  for (const order of options.orders ?? []) orders.set(order.id, copy(order));

  const active = (orderId: string) =>
    attemptsByOrder.get(orderId)?.find((a) => a.status === "creating" || a.status === "pending");
  const expired = (session: StoredCheckoutSession | undefined, now: number) =>
    session?.expires_at != null && Date.parse(session.expires_at) <= now;
  const ref = ({ attemptId, orderId, nonce }: AttemptRow): CheckoutAttempt => ({ attemptId, orderId, nonce });

  const store: MemoryOrderStore<TRequest> = {
    put: (order) => void orders.set(order.id, copy(order)),
    get: (orderId) => {
      const order = orders.get(orderId);
      return order && copy(order);
    },
    attempts: (orderId) => attemptsByOrder.get(orderId) ?? [],
    paidCount: (orderId) => paid.get(orderId) ?? 0,

    findOrder: (orderId) => store.get(orderId) ?? null,

    async beginAttempt({ order: given, merchant, creationLeaseMs }): Promise<BeginAttemptResult> {
      const now = Date.now();
      const order = orders.get(given.id) ?? given; // the store's own order, as it is now
      if (PAID_ORDER_STATUSES.has(order.status)) return { state: "paid" };
      let current = active(order.id);
      if (current && (current.amount_minor !== order.amount_minor || current.currency !== order.currency)) {
        if (current.status === "creating" && current.leaseUntil > now) return { state: "creating", ...ref(current) };
        // The order changed: its session (or the one its nonce may name) is for another amount.
        Object.assign(current, { status: "failed", failureCode: "ORDER_CHANGED", leaseUntil: 0 });
        current = undefined;
      }
      if (current?.status === "pending" && !expired(current.session, now)) {
        return { state: "pending", ...ref(current), session: { ...current.session! } };
      }
      if (current?.status === "creating") {
        if (current.leaseUntil > now) return { state: "creating", ...ref(current) };
        current.leaseUntil = now + creationLeaseMs; // taken over, same nonce, same amount, a claim of its own
        current.claim = newClaim();
        return { state: "create", ...ref(current), claim: current.claim, amount_minor: current.amount_minor, currency: current.currency };
      }
      if (current) current.status = "expired";
      const attemptId = newAttemptId();
      const row: AttemptRow = {
        attemptId,
        orderId: order.id,
        nonce: nonceFor(attemptId),
        status: "creating",
        merchant,
        amount_minor: order.amount_minor,
        currency: order.currency,
        leaseUntil: now + creationLeaseMs,
        claim: newClaim(),
      };
      attemptsByOrder.set(order.id, [...(attemptsByOrder.get(order.id) ?? []), row]);
      attemptsById.set(attemptId, row);
      return { state: "create", ...ref(row), claim: row.claim!, amount_minor: row.amount_minor, currency: row.currency };
    },

    async markPending(attempt, session) {
      const row = attemptsById.get(attempt.attemptId);
      if (!row || row.status !== "creating" || row.claim !== attempt.claim) return false;
      row.status = "pending";
      row.session = { ...session };
      row.leaseUntil = 0;
      delete row.claim;
      byChallenge.set(session.challenge_hash, row);
      return true;
    },

    async markFailed(attempt, failure) {
      const row = attemptsById.get(attempt.attemptId);
      const owned = attempt.claim === undefined ? row?.status === "pending" : row?.status === "creating" && row.claim === attempt.claim;
      if (!row || !owned) return; // a late writer: the attempt moved on without it
      if (failure.retryable) {
        // Only a create fails retryably: its claim's holder releases the claim, keeping the attempt and nonce.
        if (row.status === "creating") row.leaseUntil = 0;
        return;
      }
      row.status = "failed";
      row.failureCode = failure.code;
      row.leaseUntil = 0;
      delete row.claim;
    },

    async findOrderByChallengeHash(challengeHash): Promise<PaymentTarget | null> {
      const row = byChallenge.get(challengeHash);
      const order = row && orders.get(row.orderId);
      if (!row || !order) return null;
      const { attemptId, status: attemptStatus, merchant, amount_minor, currency } = row;
      const paidRequirementId = row.payment?.requirement_id ?? null;
      return { order: copy(order), attemptId, attemptStatus, merchant, amount_minor, currency, paidRequirementId };
    },

    async markPaid(target, payment) {
      // One synchronous check-and-set (no await inside): concurrent payments of one order see each other.
      const row = attemptsById.get(target.attemptId);
      const order = row && orders.get(row.orderId);
      if (!row || !order) throw new Error("markPaid: the attempt or its order no longer exists.");
      if (PAID_ORDER_STATUSES.has(row.status)) {
        return row.payment?.requirement_id === payment.requirement_id ? "already_paid" : "duplicate_payment";
      }
      if (PAID_ORDER_STATUSES.has(order.status)) return "order_already_paid";
      if (order.amount_minor !== target.order.amount_minor || order.currency !== target.order.currency) return "amount_changed";
      row.status = payment.status;
      row.payment = { requirement_id: payment.requirement_id, chain_receipt_id: payment.chain_receipt_id, event_id: payment.event_id };
      order.status = payment.status;
      paid.set(order.id, (paid.get(order.id) ?? 0) + 1);
      return "paid";
    },
  };
  if (options.owns) {
    const owns = options.owns;
    store.authorize = async (orderId, request) => {
      const order = orders.get(orderId);
      return order && (await owns(copy(order), request)) ? copy(order) : null;
    };
  }
  return store;
}
