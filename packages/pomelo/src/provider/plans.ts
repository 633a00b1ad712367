import type { OncePlan, Plan, WebhookResponse } from "@siglume-middleware/core";
import { otpForReports, withoutOtpCode } from "../event/recognise.js";
import type { PomeloOtp, PomeloReview, PomeloTokenEvent } from "../event/types.js";
import type { PomeloContext, PomeloHandlers } from "./options.js";

/** What every plan of one provider shares, made once: the app's handlers and how a payload is shown. */
export interface PlanKit<TRequest> {
  readonly handlers: PomeloHandlers<TRequest>;
  /** A payload as a review or a report may show it: code fields redacted. */
  readonly redacted: (payload: unknown) => unknown;
}

/**
 * One delivery's plan. `run` sets `ctx.transaction` to the claim's and calls the app's handler; `info.event` (what
 * onError sees, redacted) is built only when there is an error to report. The subclasses hold their event, so a
 * delivery makes no closures of its own.
 */
abstract class PomeloPlan<TRequest> implements OncePlan {
  readonly kind = "once" as const;
  abstract readonly type: string;
  abstract readonly outcome: string;

  constructor(
    readonly key: string,
    readonly digest: string,
    readonly acknowledge: WebhookResponse,
    protected readonly ctx: PomeloContext<TRequest>,
    protected readonly kit: PlanKit<TRequest>,
  ) {}

  protected abstract handle(): unknown;
  protected abstract reported(): unknown;

  get info(): { key: string; readonly event: unknown } {
    const plan = this;
    return {
      key: this.key,
      get event() {
        return plan.reported();
      },
    };
  }

  run(transaction: unknown): unknown {
    this.ctx.transaction = transaction;
    return this.handle();
  }
}

/** A token event for onTokenEvent; its id seen before with another body goes to review instead. */
export class TokenPlan<TRequest> extends PomeloPlan<TRequest> {
  readonly type = "token";

  constructor(
    key: string,
    digest: string,
    acknowledge: WebhookResponse,
    ctx: PomeloContext<TRequest>,
    kit: PlanKit<TRequest>,
    readonly outcome: string,
    private readonly event: PomeloTokenEvent,
  ) {
    super(key, digest, acknowledge, ctx, kit);
  }

  protected handle(): unknown {
    return this.kit.handlers.onTokenEvent(this.event, this.ctx);
  }

  protected reported(): unknown {
    return { ...this.event, payload: this.kit.redacted(this.event.payload) };
  }

  reused(): Plan {
    const { event } = this;
    return new ReviewPlan(`${this.key}#reused:${this.digest}`, this.digest, this.acknowledge, this.ctx, this.kit, {
      reason: "event_id_reused",
      detail: `event id ${event.eventId ?? "(none)"} was handled before with another body`,
      payload: this.kit.redacted(event.payload),
    });
  }
}

/** A verified token webhook no handler takes: onReview, once per key. */
export class ReviewPlan<TRequest> extends PomeloPlan<TRequest> {
  readonly type = "review";
  readonly outcome: string;

  constructor(key: string, digest: string, acknowledge: WebhookResponse, ctx: PomeloContext<TRequest>, kit: PlanKit<TRequest>, private readonly review: PomeloReview) {
    super(key, digest, acknowledge, ctx, kit);
    this.outcome = `review:${review.reason}`;
  }

  protected handle(): unknown {
    return this.kit.handlers.onReview(this.review, this.ctx);
  }

  protected reported(): unknown {
    return this.review;
  }
}

/**
 * An OTP for onOtp, under a key of its own: the code is taken out of anything its handler throws. This is the plan
 * of a code whose id was seen before with another body (see FirstOtpPlan), so it has no `reused` of its own.
 */
export class OtpPlan<TRequest> extends PomeloPlan<TRequest> {
  readonly type = "otp";
  readonly outcome = "otp";

  constructor(key: string, digest: string, acknowledge: WebhookResponse, ctx: PomeloContext<TRequest>, kit: PlanKit<TRequest>, protected readonly otp: PomeloOtp) {
    super(key, digest, acknowledge, ctx, kit);
  }

  protected handle(): unknown {
    const { otp, ctx, kit } = this;
    return withoutOtpCode(otp.code, () => kit.handlers.onOtp(otp, ctx));
  }

  protected reported(): unknown {
    return otpForReports(this.otp);
  }
}

/** An OTP under its event's key. The same id with another body is another code: delivered, never a duplicate. */
export class FirstOtpPlan<TRequest> extends OtpPlan<TRequest> {
  reused(): Plan {
    return new OtpPlan(`${this.key}#${this.digest}`, this.digest, this.acknowledge, this.ctx, this.kit, this.otp);
  }
}
