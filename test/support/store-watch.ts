// Lets a test wait for what a real idempotency store is doing, instead of for time to pass: each claim's
// renewals, and the moment every claim taken has ended (completed, completed instead, or released). The
// wrapped store does all the work; the watch only sees its calls and their results.
import type { Claim, ClaimInfo, ClaimResult, IdempotencyStore, MaybePromise } from "@siglume-middleware/core";

export class StoreWatch {
  /** Claims taken ("claimed"), by every store this watch wraps. */
  claims = 0;
  /** Renewals that kept their claim (resolved true). */
  renewals = 0;
  private open = 0;
  private settledWaiters: (() => void)[] = [];
  private renewalWaiters: (() => void)[] = [];

  /** The same store, watched. Several stores (one per instance) may share one watch. */
  wrap<S extends IdempotencyStore>(store: S): S {
    return new Proxy(store, {
      get: (target, property) => {
        if (property === "claim") return (key: string, info: ClaimInfo) => this.claim(target, key, info);
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Resolves at the next renewal that kept its claim. */
  nextRenewal(): Promise<void> {
    return new Promise((resolve) => this.renewalWaiters.push(resolve));
  }

  /**
   * Resolves once nothing is open: no claim is being asked for, and each one taken has been completed,
   * completed instead, or released.
   */
  settled(): Promise<void> {
    return this.open === 0 ? Promise.resolve() : new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private close(): void {
    this.open -= 1;
    if (this.open === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  private async claim(store: IdempotencyStore, key: string, info: ClaimInfo): Promise<ClaimResult> {
    this.open += 1;
    let result: ClaimResult;
    try {
      result = await store.claim(key, info);
    } catch (error) {
      this.close();
      throw error;
    }
    if (result.status !== "claimed") {
      this.close();
      return result;
    }
    this.claims += 1;
    return { status: "claimed", claim: this.watchClaim(result.claim) };
  }

  private watchClaim(claim: Claim): Claim {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.close();
    };
    const ending = <A extends unknown[], R>(step: (...args: A) => MaybePromise<R>) => (...args: A) => {
      const done = Promise.resolve(step.apply(claim, args));
      done.then(end, end);
      return done;
    };
    return new Proxy(claim, {
      get: (target, property) => {
        if (property === "renew") {
          return () => {
            const renewing = Promise.resolve(target.renew());
            renewing.then((owned) => {
              if (!owned) return;
              this.renewals += 1;
              for (const resolve of this.renewalWaiters.splice(0)) resolve();
            }, () => {});
            return renewing;
          };
        }
        if (property === "complete") return ending(target.complete);
        if (property === "release") return ending(target.release);
        if (property === "completeInstead") return target.completeInstead && ending(target.completeInstead);
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}
